/**
 * How the engines fail a job: one set of error codes, and the reason of an aborted job passed on as it came, so
 * that the server sees the cancellation or timeout it caused rather than a failure of the engine.
 */
import { EngineError } from '../../engine-error.js'

/** The codes the local and OpenAI-compatible engines fail jobs with. */
export type EngineFailureCode =
  | 'UnsupportedFormat'
  | 'InvalidDocument'
  /** The document holds nothing to convert (a PDF with no pages). */
  | 'EmptyDocument'
  | 'EngineFailure'
  | 'UpstreamError'
  | 'UpstreamTimeout'
  | 'UpstreamMalformed'

/** Builds the error that fails a job with `code` and `message`. */
export function engineFailure(code: EngineFailureCode, message: string, cause?: unknown): EngineError {
  return new EngineError(code, message, cause === undefined ? undefined : { cause })
}

/** The reason of an aborted signal, as an error, so that the server sees the cancellation or timeout it caused. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  if (reason instanceof Error) return reason
  const error = new Error(typeof reason === 'string' ? reason : 'The conversion was aborted')
  error.name = 'AbortError'
  return error
}

/** Rejects with the signal's reason once it aborts; resolves like `promise` otherwise. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal))
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
