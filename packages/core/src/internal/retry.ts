/**
 * When to try again and how long to wait first: which failures are transient, the server's `Retry-After`,
 * exponential backoff with full jitter, and the loop that retries a read.
 */
import { APIError, ConnectionError, type NuMarkdownError, RateLimitError, TimeoutError } from '../errors.js'
import type { Operation } from './operation.js'

/** Whether a failed read (GET, list, cancel) may be tried again: connection errors, 408, 429, 5xx. */
export function isRetryableRead(error: unknown): boolean {
  if (error instanceof APIError) return error.status === 408 || error.status === 429 || error.status >= 500
  return (
    error instanceof ConnectionError || (error instanceof TimeoutError && error.code !== 'deadline_exceeded')
  )
}

/**
 * Parses `Retry-After` (delta-seconds or an HTTP date) into milliseconds from `now`; undefined when absent or
 * unreadable. A date in the past gives 0.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim()
  if (!text) return undefined
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
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

/** Exponential backoff with full jitter: a random delay in [0, min(max, base × 2^attempt)). */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt))
  return Math.floor(random() * ceiling)
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

/** Where a retry stands: the attempt that failed (from 0), the policy, and the deadline it must keep. */
export interface RetryState {
  attempt: number
  policy: RetryPolicy
  operation: Operation
}

/**
 * The delay before the next attempt: the server's `Retry-After` when it sent one, else exponential backoff with
 * full jitter. Undefined when no attempt is left or the wait would pass the deadline (then the error stands).
 */
export function nextDelay(error: unknown, { attempt, policy, operation }: RetryState): number | undefined {
  if (attempt >= policy.maxRetries) return undefined
  const retryAfter = retryAfterOf(error)
  const delay = retryAfter ?? backoffDelay(attempt, policy)
  if (delay > operation.remainingMs()) return undefined
  return delay
}

/** How a read is retried: under which deadline, by which policy, reporting each retry to whom. */
export interface RetriedRead {
  operation: Operation
  policy: RetryPolicy
  onRetry: RetryReporter
}

/** Runs a read with retries on transient failures. `onRetry` reports each retry before its delay. */
export async function retryRead<T>(
  { operation, policy, onRetry }: RetriedRead,
  run: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      if (operation.aborted || !isRetryableRead(error)) throw error
      const delay = nextDelay(error, { attempt, policy, operation })
      if (delay === undefined) throw error
      onRetry(error as NuMarkdownError, attempt + 1, delay)
      await operation.sleep(delay)
    }
  }
}
