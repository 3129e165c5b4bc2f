/**
 * An error an engine throws to fail a job with a specific `errorCode` and `errorMessage`.
 * Any other error fails the job with the code `EngineFailure`.
 *
 * @example
 * ```ts
 * throw new EngineError('UnsupportedDocument', 'Encrypted PDFs are not supported')
 * ```
 */
export class EngineError extends Error {
  /** The job's `errorCode` when this error fails it. */
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'EngineError'
    this.code = code
  }
}
