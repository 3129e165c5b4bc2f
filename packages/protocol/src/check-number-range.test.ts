import { describe, expect, it } from 'vitest'
import { checkNumberRange } from './check-number-range.js'
import { ValidationError } from './errors.js'

describe('checkNumberRange', () => {
  it('returns a number within the range, both ends included', () => {
    expect(checkNumberRange('temperature', 0, { min: 0, max: 1 })).toBe(0)
    expect(checkNumberRange('temperature', 1, { min: 0, max: 1 })).toBe(1)
    expect(checkNumberRange('concurrency', 4, { min: 1, integer: true })).toBe(4)
  })

  it('throws a ValidationError naming the parameter, the range and the value received', () => {
    expect(() => checkNumberRange('temperature', 3.4, { min: 0, max: 1 })).toThrow(
      new ValidationError('expected 0 ≤ temperature ≤ 1, got 3.4', { parameter: 'temperature' }),
    )
    expect(() => checkNumberRange('offset', 5, { max: 2 })).toThrow('expected offset ≤ 2, got 5')
    try {
      checkNumberRange('concurrency', 0, { min: 1, integer: true })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError)
      expect(error).toMatchObject({
        parameter: 'concurrency',
        message: 'expected an integer concurrency ≥ 1, got 0',
      })
    }
  })

  it('puts what the options are for first', () => {
    expect(() =>
      checkNumberRange('ocrWorkers', 0, { min: 1, integer: true, where: 'localEngine options' }),
    ).toThrow('localEngine options: expected an integer ocrWorkers ≥ 1, got 0')
  })

  it('refuses what is not a number, NaN, fractions for an integer, and integers beyond the safe range', () => {
    expect(() => checkNumberRange('timeoutMs', Number.NaN, { min: 0 })).toThrow(/got NaN$/)
    expect(() => checkNumberRange('temperature', '0.2', { min: 0, max: 1 })).toThrow(/got "0.2"$/)
    expect(() => checkNumberRange('concurrency', 1.5, { min: 1, integer: true })).toThrow(/got 1.5$/)
    expect(() => checkNumberRange('maxUploadBytes', 2 ** 60, { min: 1, integer: true })).toThrow(
      ValidationError,
    )
  })
})
