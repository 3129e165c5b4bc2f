/**
 * One line per failed document, saying what went wrong and, where there is one, what to do. Core's errors
 * never hold the token, and neither does anything added here.
 */
import {
  AuthenticationError,
  ConnectionError,
  JobFailedError,
  JobTimeoutError,
  NuMarkdownError,
  PageRangeError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
  ValidationError,
} from '@numarkdown/core'
import { pagesMessage } from './check-pages.js'

function withJob(message: string, jobId: string | undefined): string {
  return jobId === undefined ? message : `${message} (job ${jobId})`
}

/** The reason a conversion failed, as one line (no trailing period, no newline). */
export function describeFailure(error: unknown, baseUrl: string): string {
  const value: unknown = error
  if (PageRangeError.isInstance(error)) {
    // A range of a split document: its pages, then why its last attempt failed, in this file's words.
    const { pageNumber, lastPageNumber } = error as PageRangeError
    const pages =
      pageNumber === lastPageNumber ? `page ${pageNumber}` : `pages ${pageNumber}-${lastPageNumber}`
    return `${pages} failed: ${describeFailure(error.cause ?? error.message, baseUrl)}`
  }
  if (NuMarkdownError.isInstance(error)) {
    const jobId = error.jobId
    if (JobFailedError.isInstance(value)) {
      // The server's own words, without core's "Job <id> failed:" before them: the job is named once, at the end.
      const reason = (value as JobFailedError).job?.errorMessage || error.message
      if (JobTimeoutError.isInstance(value)) {
        return withJob(`the conversion ran past its time limit on the server (--timeout): ${reason}`, jobId)
      }
      const code = error.code === undefined ? '' : ` (${error.code})`
      return withJob(`the conversion failed${code}: ${reason}`, jobId)
    }
    if (AuthenticationError.isInstance(value)) {
      return `${baseUrl} refused the token (401): check NUMIND_API_KEY`
    }
    if (PermissionDeniedError.isInstance(value)) {
      return withJob(`${baseUrl} refused access (403): ${error.message}`, jobId)
    }
    if (PayloadTooLargeError.isInstance(value)) return `the server refused the upload as too large (413)`
    if (RateLimitError.isInstance(value)) return withJob(`rate limited by ${baseUrl} (429): try later`, jobId)
    if (ConnectionError.isInstance(value)) {
      const resume = jobId === undefined ? '' : `; numarkdown --resume ${jobId} picks the job up later`
      return `cannot reach ${baseUrl}: ${error.message}${resume}`
    }
    if (TimeoutError.isInstance(value)) return withJob(`timed out: ${error.message}`, jobId)
    // Pages the document does not have, or a PDF whose pages cannot be read: core names the page count.
    if (ValidationError.isInstance(value) && (value as ValidationError).parameter === 'pages') {
      return pagesMessage(value as ValidationError)
    }
    return withJob(error.message, jobId)
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const message = error instanceof Error ? error.message : String(error)
  if (code === 'ENOSPC') return `no space left on the disk: ${message}`
  if (code === 'EACCES' || code === 'EPERM') return `permission denied: ${message}`
  return message
}
