/**
 * The errors of @numarkdown/core: one base class, a subclass per HTTP meaning, and the failures of waiting.
 * Every error carries `status`, `code`, `jobId` where known, and `cause`. None ever holds the API token.
 */
import type { Job } from './types.js'

const brand: unique symbol = Symbol.for('numarkdown.error') as never

function isErrorOf(target: abstract new (...args: never[]) => unknown, value: unknown): boolean {
  if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[brand] !== true) {
    return false
  }
  if ((target as unknown) === NuMarkdownError || value instanceof target) return true
  let prototype = Object.getPrototypeOf(value)
  while (prototype) {
    if (prototype.constructor?.name === target.name) return true
    prototype = Object.getPrototypeOf(prototype)
  }
  return false
}

/** Details shared by every error of this package. */
export interface NuMarkdownErrorDetails {
  /** The HTTP status, when a response was received. */
  status?: number
  /** A machine-readable code: the server's `code`, a Node/undici error code, or one of this package. */
  code?: string
  /** The job concerned, when known. */
  jobId?: string
  cause?: unknown
}

/** The base class of every error thrown by @numarkdown/core. */
export class NuMarkdownError extends Error {
  /** The HTTP status, when a response was received. */
  declare readonly status?: number
  /** A machine-readable code, when known. */
  declare readonly code?: string
  /** The job concerned, when known. */
  declare readonly jobId?: string

  constructor(message: string, details: NuMarkdownErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = new.target.name
    if (details.status !== undefined) this.status = details.status
    if (details.code !== undefined) this.code = details.code
    if (details.jobId !== undefined) this.jobId = details.jobId
  }

  /**
   * True when `value` is an error of this package (or, called on a subclass, of that subclass), even when it
   * comes from another copy of the package (two versions installed side by side).
   */
  static isInstance<T extends abstract new (...args: never[]) => NuMarkdownError>(
    this: T,
    value: unknown,
  ): value is InstanceType<T> {
    // biome-ignore lint/complexity/noThisInStatic: inherited by subclasses, `this` is the class asked about.
    return isErrorOf(this, value)
  }

  /** A plain summary for logs and `JSON.stringify`. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.code === undefined ? {} : { code: this.code }),
      ...(this.jobId === undefined ? {} : { jobId: this.jobId }),
    }
  }
}
Object.defineProperty(NuMarkdownError.prototype, brand, { value: true, enumerable: false })

/** Options of {@link ValidationError}. */
export interface ValidationErrorDetails extends NuMarkdownErrorDetails {
  /** The option or parameter that was rejected. */
  parameter: string
}

/** An option or parameter was rejected before any request was made; the message names the value received. */
export class ValidationError extends NuMarkdownError {
  /** The option or parameter that was rejected. */
  declare readonly parameter: string
  constructor(message: string, details: ValidationErrorDetails) {
    super(message, { code: 'invalid_argument', ...details })
    this.parameter = details.parameter
  }
}

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
