/**
 * The two error classes every NuMarkdown package shares: `NuMarkdownError`, the base of all of them, and
 * `ValidationError`, the one class a caller catches for a bad option or parameter from any package. The client's
 * HTTP and job errors extend the base in @numarkdown/core; the stream adapters' option error extends
 * `ValidationError`.
 */

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

/** Details shared by every NuMarkdown error. */
export interface NuMarkdownErrorDetails {
  /** The HTTP status, when a response was received. */
  status?: number
  /** A machine-readable code: the server's `code`, a Node/undici error code, or one of these packages. */
  code?: string
  /** The job concerned, when known. */
  jobId?: string
  cause?: unknown
}

/** The base class of every error thrown by @numarkdown/core, and of the option errors of the other packages. */
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
   * True when `value` is an error of these packages (or, called on a subclass, of that subclass), even when it
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

/**
 * An option or parameter was rejected before any work was done; the message names the value received. Every
 * NuMarkdown package throws this class (or a subclass) for a bad option, so one `catch` serves them all.
 */
export class ValidationError extends NuMarkdownError {
  /** The option or parameter that was rejected. */
  declare readonly parameter: string
  constructor(message: string, details: ValidationErrorDetails) {
    super(message, { code: 'invalid_argument', ...details })
    this.parameter = details.parameter
  }
}
