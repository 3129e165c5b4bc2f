import { describe, expect, it } from 'vitest'
import { backoffDelay, parseRetryAfter } from './retry.js'

describe('backoffDelay', () => {
  it('draws from [0, min(max, base × 2^attempt))', () => {
    expect(backoffDelay(0, { baseMs: 500, maxMs: 30_000 }, () => 0.999)).toBe(499)
    expect(backoffDelay(3, { baseMs: 500, maxMs: 30_000 }, () => 0.5)).toBe(2000)
    expect(backoffDelay(20, { baseMs: 500, maxMs: 30_000 }, () => 0.999)).toBe(29_970)
    expect(backoffDelay(5, { baseMs: 500, maxMs: 30_000 }, () => 0)).toBe(0)
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter('0.5')).toBe(500)
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000)
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0)
  })

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined()
    expect(parseRetryAfter('')).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter(['2', '5'])).toBe(2000)
  })
})
