import { describe, expect, it } from 'vitest'
import { isTerminal, statusKind } from './job-status.js'

describe('statusKind', () => {
  it.each([
    ['completed', 'completed'],
    ['COMPLETED', 'completed'],
    [' done ', 'completed'],
    ['failed', 'failed'],
    ['Error', 'failed'],
    ['cancelled', 'cancelled'],
    ['canceled', 'cancelled'],
    ['timeout', 'timeout'],
    ['timed_out', 'timeout'],
    ['pending', 'running'],
    ['running', 'running'],
    ['queued-somewhere', 'running'],
    [undefined, 'running'],
  ])('reads %j as %s', (status, kind) => {
    expect(statusKind(status)).toBe(kind)
  })

  it('calls every status other than running a final one', () => {
    for (const status of ['completed', 'failed', 'cancelled', 'timeout'])
      expect(isTerminal(status)).toBe(true)
    for (const status of ['pending', 'running', 'Processing']) expect(isTerminal(status)).toBe(false)
  })
})
