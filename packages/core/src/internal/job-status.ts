/** How a job's status reads, compared case-insensitively; every unknown value means "still running". */
export type StatusKind = 'completed' | 'failed' | 'cancelled' | 'timeout' | 'running'

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

export function isTerminal(status: unknown): boolean {
  return statusKind(status) !== 'running'
}
