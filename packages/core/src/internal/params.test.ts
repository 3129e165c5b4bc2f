import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors.js'
import { conversionQuery } from './params.js'

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
})
