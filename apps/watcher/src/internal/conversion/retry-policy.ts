/**
 * When a failed conversion is tried again: after a transient failure, with exponential backoff and jitter (or
 * as long as the server asked), waiting for its job again unless the server answered about it with a 4xx;
 * while the output folder cannot be written, with a backoff of its own, not counted against the document.
 */
import type { Failure } from './classify-error.js'

/** Exponential backoff with jitter, capped at a minute, unless the server said how long to wait. */
export function retryDelayMs(failure: Failure, attempts: number): number {
  return (
    failure.retryAfterMs ?? Math.min(60_000, 1000 * 2 ** (Math.max(1, attempts) - 1)) * (0.5 + Math.random())
  )
}

/**
 * After a transient failure, whether the job (if one was created) is waited for again rather than submitted
 * again: not when the server answered about it with a 4xx.
 */
export function jobSurvives(failure: Failure): boolean {
  return !(failure.status !== undefined && failure.status >= 400 && failure.status < 500)
}

/** Backoff with jitter, capped at a minute, before try number `outputAttempts` at writing the outputs. */
export function outputRetryDelayMs(outputAttempts: number): number {
  return Math.min(60_000, 1000 * 2 ** (outputAttempts - 1)) * (0.75 + Math.random() / 2)
}
