import { describe, expect, it } from 'vitest'
import { parseDuration, parseListParams, parseSubmitParams } from './validate.js'

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

describe('parseSubmitParams', () => {
  it('keeps the bounds inclusive', () => {
    const params = parseSubmitParams(
      new URLSearchParams('temperature=0&rasterizationDPI=1&maxOutputTokens=0'),
    )
    expect(params).toEqual({ temperature: 0, rasterizationDPI: 1, maxOutputTokens: 0 })
    expect(parseSubmitParams(new URLSearchParams('temperature=1&rasterizationDPI=300'))).toMatchObject({
      temperature: 1,
      rasterizationDPI: 300,
    })
  })
})

describe('parseListParams', () => {
  it('defaults to skip 0 and perPage 30', () => {
    expect(parseListParams(new URLSearchParams(''))).toEqual({ skip: 0, perPage: 30 })
    expect(parseListParams(new URLSearchParams('perPage=100&organization=acme'))).toEqual({
      skip: 0,
      perPage: 100,
      organization: 'acme',
    })
  })
})
