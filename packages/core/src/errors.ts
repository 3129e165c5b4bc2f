/**
 * The errors of @numarkdown/core: one base class, a subclass per HTTP meaning, and the failures of waiting.
 * Every error carries `status`, `code`, `jobId` where known, and `cause`. None ever holds the API token. The base
 * class and `ValidationError` are those of @numarkdown/protocol, shared by every package, re-exported here.
 */
import {
  type Job,
  NuMarkdownError,
  type NuMarkdownErrorDetails,
  ValidationError,
  type ValidationErrorDetails,
} from '@numarkdown/protocol'

export { NuMarkdownError, type NuMarkdownErrorDetails, ValidationError, type ValidationErrorDetails }

/** Details of an {@link APIError}. */
export interface APIErrorDetails extends NuMarkdownErrorDetails {
  status: number
  /** Response headers (credentials and cookies removed). */
  headers?: Record<string, string>
  /** The request ID the server sent (`x-request-id`), when present. */
  requestId?: string
}

/** The server answered with an error status. Subclasses name the common meanings. */
export class APIError extends NuMarkdownError {
  declare readonly status: number
  /** The request ID the server sent, when present. */
  declare readonly requestId?: string
  /** Response headers (credentials and cookies removed); not enumerable, so logs stay short. */
  declare readonly headers: Record<string, string>

  constructor(message: string, details: APIErrorDetails) {
    super(message, details)
    if (details.requestId !== undefined) this.requestId = details.requestId
    Object.defineProperty(this, 'headers', { value: details.headers ?? {}, enumerable: false })
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), ...(this.requestId === undefined ? {} : { requestId: this.requestId }) }
  }
}

/** 400: the server rejected the request (a parameter or the body). */
export class BadRequestError extends APIError {}
/** 401: the token is missing or wrong. */
export class AuthenticationError extends APIError {}
/** 403: the token may not touch this resource, or the billing quota is exceeded. */
export class PermissionDeniedError extends APIError {}
/** 404: no such job (or route). */
export class NotFoundError extends APIError {}
/** 413: the upload is larger than the server accepts. */
export class PayloadTooLargeError extends APIError {}

/** 429: too many requests. */
export class RateLimitError extends APIError {
  /** How long the server asked to wait (`Retry-After`), in milliseconds, when it said. */
  declare readonly retryAfterMs?: number
  constructor(message: string, details: APIErrorDetails & { retryAfterMs?: number }) {
    super(message, details)
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs
  }
}

/** 5xx: the server failed. */
export class ServerError extends APIError {}

/** The connection failed (refused, reset, DNS...) or the response could not be read. */
export class ConnectionError extends NuMarkdownError {}

/** The overall deadline (`timeoutMs`) or a request timeout passed. */
export class TimeoutError extends NuMarkdownError {}

/** The caller's `AbortSignal` fired. */
export class AbortError extends NuMarkdownError {}

/** Details of a {@link JobFailedError}. */
export interface JobFailedErrorDetails extends NuMarkdownErrorDetails {
  jobId: string
  /** The job as last read, when known. */
  job?: Job
}

/** The job ended without a result (failed, cancelled, timed out); `code` and `message` come from the server. */
export class JobFailedError extends NuMarkdownError {
  declare readonly jobId: string
  /** The job as last read, when known. */
  declare readonly job?: Job
  constructor(message: string, details: JobFailedErrorDetails) {
    super(message, details)
    if (details.job !== undefined)
      Object.defineProperty(this, 'job', { value: details.job, enumerable: false })
  }
}

/** The job ran past its execution timeout on the server (code `JobTimeout`). */
export class JobTimeoutError extends JobFailedError {}

/** Details of a {@link PageRangeError}. */
export interface PageRangeErrorDetails extends NuMarkdownErrorDetails {
  /** The first page of the range, from 1. */
  pageNumber: number
  /** The last page of the range. */
  lastPageNumber: number
}

/**
 * One page range of a split conversion failed, after being retried on its own. `cause` is the range's last
 * error (a {@link JobFailedError}, for instance), `code` and `jobId` are its own.
 */
export class PageRangeError extends NuMarkdownError {
  /** The first page of the range that failed, from 1. */
  declare readonly pageNumber: number
  /** The last page of the range that failed. */
  declare readonly lastPageNumber: number
  constructor(message: string, details: PageRangeErrorDetails) {
    super(message, details)
    this.pageNumber = details.pageNumber
    this.lastPageNumber = details.lastPageNumber
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), pageNumber: this.pageNumber, lastPageNumber: this.lastPageNumber }
  }
}
