import { describe, expect, it } from 'vitest'
import { median, percentile, round } from './stats.ts'

describe('percentile', () => {
  it('interpolates between closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5)
    expect(percentile([10, 0, 5], 0)).toBe(0)
    expect(percentile([10, 0, 5], 100)).toBe(10)
    expect(percentile([0, 10], 95)).toBeCloseTo(9.5)
    expect(median([7])).toBe(7)
  })

  it('refuses an empty list', () => {
    expect(() => percentile([], 50)).toThrow(RangeError)
  })
})

describe('round', () => {
  it('keeps about three significant figures', () => {
    expect(round(1234.56)).toBe(1235)
    expect(round(12.345)).toBe(12.3)
    expect(round(1.2345)).toBe(1.23)
    expect(round(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY)
  })
})
