import { describe, expect, it } from 'vitest'
import { ValidationError } from './errors.js'
import { validateConversionParams } from './validate-conversion-params.js'

describe('validateConversionParams', () => {
  it('returns the conversion parameters only', () => {
    const options = { temperature: 0.5, rasterizationDpi: 150, timeout: '90s', splitPages: true, other: 1 }
    expect(validateConversionParams(options)).toEqual({
      temperature: 0.5,
      rasterizationDpi: 150,
      timeout: '90s',
    })
  })

  it.each([
    [{ temperature: 3.4 }, 'temperature', 'expected 0 ≤ temperature ≤ 1, got 3.4'],
    [{ rasterizationDpi: 301 }, 'rasterizationDpi', 'got 301'],
    [{ rasterizationDpi: 150.5 }, 'rasterizationDpi', 'an integer'],
    [{ maxOutputTokens: -1 }, 'maxOutputTokens', 'got -1'],
    [{ timeout: '5 minutes' }, 'timeout', 'got "5 minutes"'],
  ])('rejects %o naming the parameter and the value', (params, parameter, message) => {
    let error: unknown
    try {
      validateConversionParams(params)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).parameter).toBe(parameter)
    expect((error as ValidationError).message).toContain(message)
  })
})
