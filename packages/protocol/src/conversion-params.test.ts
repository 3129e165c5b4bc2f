import { describe, expect, it } from 'vitest'
import { conversionQuery, parseSubmitParams } from './conversion-params.js'
import { ValidationError } from './errors.js'

describe('conversionQuery', () => {
  it('maps parameters to the wire names', () => {
    expect(
      conversionQuery({ temperature: 0.5, rasterizationDpi: 200, maxOutputTokens: 0, timeout: '90s' }),
    ).toEqual({
      temperature: '0.5',
      rasterizationDPI: '200',
      maxOutputTokens: '0',
      timeout: '90s',
    })
    expect(conversionQuery({ timeout: 1500 })).toEqual({ timeout: '1500ms' })
    expect(conversionQuery({ timeout: ' 5m ' })).toEqual({ timeout: '5m' })
    expect(conversionQuery({})).toEqual({})
  })

  it('names the parameter and the value received', () => {
    expect(() => conversionQuery({ temperature: 3.4 })).toThrow('expected 0 ≤ temperature ≤ 1, got 3.4')
    expect(() => conversionQuery({ rasterizationDpi: 301 })).toThrow(
      'expected an integer 1 ≤ rasterizationDpi ≤ 300, got 301',
    )
    expect(() => conversionQuery({ rasterizationDpi: 72.5 })).toThrow(/got 72.5/)
    expect(() => conversionQuery({ maxOutputTokens: -1 })).toThrow(/maxOutputTokens ≥ 0, got -1/)
    expect(() => conversionQuery({ temperature: '0.2' as never })).toThrow(/got "0.2"/)
    expect(() => conversionQuery({ timeout: '10 minutes' })).toThrow(/got "10 minutes"/)
    try {
      conversionQuery({ temperature: -0.1 })
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).parameter).toBe('temperature')
    }
  })

  it('refuses a duration the server would refuse', () => {
    expect(() => conversionQuery({ timeout: '0s' })).toThrow(/got "0s"/)
    expect(() => conversionQuery({ timeout: 0 })).toThrow(/got 0/)
  })
})

describe('parseSubmitParams', () => {
  it('applies the defaults of the API', () => {
    expect(parseSubmitParams(new URLSearchParams(''))).toEqual({
      temperature: 0,
      rasterizationDPI: 170,
      maxOutputTokens: 0,
    })
  })

  it('keeps the bounds inclusive', () => {
    const params = parseSubmitParams(
      new URLSearchParams('temperature=0&rasterizationDPI=1&maxOutputTokens=0'),
    )
    expect(params).toEqual({ temperature: 0, rasterizationDPI: 1, maxOutputTokens: 0 })
    expect(parseSubmitParams(new URLSearchParams('temperature=1&rasterizationDPI=300'))).toMatchObject({
      temperature: 1,
      rasterizationDPI: 300,
    })
    expect(parseSubmitParams(new URLSearchParams('timeout=90s')).timeoutMs).toBe(90_000)
  })

  it.each([
    ['temperature=', 'temperature'],
    ['temperature=1.5', 'temperature'],
    ['temperature=abc', 'temperature'],
    ['rasterizationDPI=0', 'rasterizationDPI'],
    ['rasterizationDPI=72.5', 'rasterizationDPI'],
    ['rasterizationDPI=301', 'rasterizationDPI'],
    ['maxOutputTokens=-1', 'maxOutputTokens'],
    ['timeout=10', 'timeout'],
  ])('refuses %s with the text the API answers', (query, name) => {
    expect(() => parseSubmitParams(new URLSearchParams(query))).toThrow(
      new ValidationError(`Invalid value for: query parameter ${name}`, { parameter: name }),
    )
  })
})
