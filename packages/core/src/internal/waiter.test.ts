import { describe, expect, it } from 'vitest'
import { pollDelay } from './waiter.js'

describe('pollDelay', () => {
  const now = Date.parse('2026-01-01T00:00:00Z')

  it('keeps the interval when the server asks for nothing or for less', () => {
    expect(pollDelay(400, undefined, now)).toBe(400)
    expect(pollDelay(400, '0', now)).toBe(400)
    expect(pollDelay(400, 'soon', now)).toBe(400)
  })

  it('stretches the interval to Retry-After in seconds', () => {
    expect(pollDelay(400, '3', now)).toBe(3_000)
  })

  it('stretches the interval to Retry-After as an HTTP date', () => {
    expect(pollDelay(400, 'Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000)
  })
})
