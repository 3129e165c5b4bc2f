/**
 * The status words of a job and how a client reads them. The API names only `completed`; a client compares
 * case-insensitively, treats the known failure words as terminal and everything else as still running.
 */

/** The statuses a job goes through on @numarkdown/server: `pending → running → completed | failed | cancelled | timeout`. */
export type JobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'timeout'

/** How a job's status reads: finished (one of four ways) or still running. */
export type StatusKind = 'completed' | 'failed' | 'cancelled' | 'timeout' | 'running'

/**
 * Classifies a status word, whatever its case and surrounding spaces: `completed` (also `complete`, `succeeded`,
 * `success`, `done`), `failed` (`failure`, `error`), `cancelled` (`canceled`), `timeout` (`timedout`,
 * `timed_out`); every other value, unknown ones included, is `running`.
 */
export function statusKind(status: unknown): StatusKind {
  const value = typeof status === 'string' ? status.trim().toLowerCase() : ''
  switch (value) {
    case 'completed':
    case 'complete':
    case 'succeeded':
    case 'success':
    case 'done':
      return 'completed'
    case 'failed':
    case 'failure':
    case 'error':
      return 'failed'
    case 'cancelled':
    case 'canceled':
      return 'cancelled'
    case 'timeout':
    case 'timedout':
    case 'timed_out':
      return 'timeout'
    default:
      return 'running'
  }
}

/** True when the status is final: the job will not change any more. */
export function isTerminal(status: unknown): boolean {
  return statusKind(status) !== 'running'
}
