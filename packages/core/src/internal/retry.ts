import { APIError, ConnectionError, type NuMarkdownError, RateLimitError, TimeoutError } from '../errors.js'
import { backoffDelay, parseRetryAfter } from './backoff.js'
import type { Operation } from './operation.js'

/** Whether a failed read (GET, list, cancel) may be tried again: connection errors, 408, 429, 5xx. */
export function isRetryableRead(error: unknown): boolean {
  if (error instanceof APIError) return error.status === 408 || error.status === 429 || error.status >= 500
  return (
    error instanceof ConnectionError || (error instanceof TimeoutError && error.code !== 'deadline_exceeded')
  )
}

/** The server's requested delay (`Retry-After`), in milliseconds, when it gave one. */
export function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof RateLimitError) return error.retryAfterMs
  if (error instanceof APIError) return parseRetryAfter(error.headers['retry-after'])
  return undefined
}

/** Called before the delay of each retry, with the error that caused it and the attempt about to be made. */
export type RetryReporter = (error: NuMarkdownError, attempt: number, delayMs: number) => void

export interface RetryPolicy {
  maxRetries: number
  baseMs: number
  maxMs: number
}

/** The longest pause between two attempts while waiting for a job: a server back up is seen within this. */
export const waitRetryMaxMs = 5_000

/**
 * Retries while waiting for a job: the job exists and only the deadline bounds the wait, so a server that is
 * down (restarting, a network cut) is tried again until the deadline rather than `maxRetries` times, with
 * backoff capped at {@link waitRetryMaxMs} (or the client's own cap when lower).
 */
export function waitRetryPolicy(policy: RetryPolicy): RetryPolicy {
  return {
    maxRetries: Number.POSITIVE_INFINITY,
    baseMs: policy.baseMs,
    maxMs: Math.min(policy.maxMs, waitRetryMaxMs),
  }
}

/**
 * The delay before the next attempt: the server's `Retry-After` when it sent one, else exponential backoff with
 * full jitter. Undefined when no attempt is left or the wait would pass the deadline (then the error stands).
 */
export function nextDelay(
  error: unknown,
  attempt: number,
  policy: RetryPolicy,
  operation: Operation,
): number | undefined {
  if (attempt >= policy.maxRetries) return undefined
  const retryAfter = retryAfterOf(error)
  const delay = retryAfter ?? backoffDelay(attempt, policy.baseMs, policy.maxMs)
  if (delay > operation.remainingMs()) return undefined
  return delay
}

/** Runs a read with retries on transient failures. `onRetry` reports each retry before its delay. */
export async function retryRead<T>(
  run: () => Promise<T>,
  policy: RetryPolicy,
  operation: Operation,
  onRetry: RetryReporter,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      if (operation.aborted || !isRetryableRead(error)) throw error
      const delay = nextDelay(error, attempt, policy, operation)
      if (delay === undefined) throw error
      onRetry(error as NuMarkdownError, attempt + 1, delay)
      await operation.sleep(delay)
    }
  }
}
