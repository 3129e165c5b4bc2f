import { describe, expect, it } from 'vitest'
import { parseDuration } from './duration.js'

describe('parseDuration', () => {
  it.each([
    ['1000ms', 1000],
    ['10s', 10_000],
    ['1m', 60_000],
    ['2h', 7_200_000],
  ])('reads %s', (text, milliseconds) => {
    expect(parseDuration(text)).toBe(milliseconds)
  })

  it.each(['', '10', '1.5s', '-1s', '0ms', '1d', 's'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined()
  })
})
