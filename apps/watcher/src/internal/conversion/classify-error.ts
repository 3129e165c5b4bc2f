import {
  AbortError,
  APIError,
  AuthenticationError,
  ConnectionError,
  JobFailedError,
  JobTimeoutError,
  NotFoundError,
  NuMarkdownError,
  PageRangeError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
} from '@numarkdown/core'
import { OutputError } from '../outputs/output-error.js'

/**
 * What a failure means for the watcher:
 * - `transient`: try the whole conversion again later (connection, timeout, 408/429/5xx, disk full...);
 * - `document`: the document itself is refused (bad or unsupported file, 4xx, the job failed); retried only
 *   once the file changes;
 * - `refused`: the service refused the API key (401): nothing can be converted with it, the run stops;
 * - `service`: the service refuses this request (403); reported, and retried on the next start;
 * - `output`: the output folder (or the journal in it) cannot be written: not the document's fault, the
 *   document is kept and tried again until the folder can be written;
 * - `aborted`: we are shutting down;
 * - `vanished`: the source disappeared while we worked on it.
 */
export type FailureKind = 'transient' | 'document' | 'refused' | 'service' | 'output' | 'aborted' | 'vanished'

export interface Failure {
  kind: FailureKind
  message: string
  code?: string
  status?: number
  jobId?: string
  /** How long the server asked us to wait. */
  retryAfterMs?: number
  /** The folder that could not be written (`output` failures). */
  folder?: string
}

const transientFileCodes = new Set(['ENOSPC', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EIO', 'EDQUOT'])
const vanishedCodes = new Set(['ENOENT', 'ENOTDIR'])

export function classifyError(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error)
  if (error instanceof OutputError) {
    return { kind: 'output', message, folder: error.folder, ...(error.code ? { code: error.code } : {}) }
  }
  if (NuMarkdownError.isInstance(error)) {
    const known: NuMarkdownError = error
    // Checked on a plain `unknown`: type guards of sibling classes with equal shapes would narrow to never.
    const value: unknown = error
    const base = { message, code: known.code, status: known.status, jobId: known.jobId }
    if (AbortError.isInstance(value)) return { ...base, kind: 'aborted' }
    if (PageRangeError.isInstance(value) && known.cause !== undefined) {
      // A page range that failed after its own retry: what its last error means, told with its pages.
      const { kind, retryAfterMs } = classifyError(known.cause)
      return { ...base, kind, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }
    }
    if (RateLimitError.isInstance(value)) {
      return { ...base, kind: 'transient', retryAfterMs: (known as RateLimitError).retryAfterMs }
    }
    if (AuthenticationError.isInstance(value)) return { ...base, kind: 'refused' }
    if (PermissionDeniedError.isInstance(value)) return { ...base, kind: 'service' }
    // Before JobFailedError, its parent class: a job past its execution time may finish on a less busy server.
    if (JobTimeoutError.isInstance(value)) return { ...base, kind: 'transient' }
    if (JobFailedError.isInstance(value)) return { ...base, kind: 'document' }
    if (ConnectionError.isInstance(value) || TimeoutError.isInstance(value))
      return { ...base, kind: 'transient' }
    if (NotFoundError.isInstance(value)) return { ...base, kind: 'transient' }
    if (APIError.isInstance(value)) {
      const status = known.status ?? 0
      if (status === 408 || status === 409 || status === 425 || status >= 500)
        return { ...base, kind: 'transient' }
      return { ...base, kind: 'document' }
    }
    // A validation error or anything else the client refused before sending: the document's fault.
    return { ...base, kind: 'document' }
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code && vanishedCodes.has(code)) return { kind: 'vanished', message, code }
  if (code && transientFileCodes.has(code)) return { kind: 'transient', message, code }
  if ((error as Error | undefined)?.name === 'AbortError') return { kind: 'aborted', message }
  if (code) return { kind: 'document', message, code }
  return { kind: 'transient', message }
}
