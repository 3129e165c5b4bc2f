/**
 * The client's own argument checks (wait strategies, job IDs, deadlines, signals, page options), in the one message shape of
 * @numarkdown/protocol: `expected <what>, got <value>`, thrown as a `ValidationError` before any request.
 */
import { checkNumberRange, rejectValue } from '@numarkdown/protocol'
import type { PageErrorPolicy, WaitStrategy } from '../types.js'

const strategies: readonly WaitStrategy[] = ['sse', 'poll', 'auto']

export function checkStrategy(strategy: unknown): WaitStrategy | undefined {
  if (strategy === undefined) return undefined
  if (!strategies.includes(strategy as WaitStrategy)) {
    rejectValue('strategy', "'sse', 'poll' or 'auto'", strategy)
  }
  return strategy as WaitStrategy
}

export function checkJobId(jobId: unknown): string {
  if (typeof jobId !== 'string' || jobId.trim() === '')
    rejectValue('jobId', 'a non-empty job ID string', jobId)
  return jobId
}

export function checkTimeout(timeoutMs: unknown, fallback: number): number {
  if (timeoutMs === undefined) return fallback
  return checkNumberRange('timeoutMs', timeoutMs, { min: 0, integer: true })
}

export function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined
  if (!(signal instanceof AbortSignal)) rejectValue('signal', 'an AbortSignal', signal)
  return signal
}

const pageErrorPolicies: readonly PageErrorPolicy[] = ['throw', 'skip']

export function checkPageErrorPolicy(policy: unknown): PageErrorPolicy {
  if (policy === undefined) return 'throw'
  if (!pageErrorPolicies.includes(policy as PageErrorPolicy))
    rejectValue('onPageError', "'throw' or 'skip'", policy)
  return policy as PageErrorPolicy
}
