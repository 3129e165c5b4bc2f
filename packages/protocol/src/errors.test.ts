import { describe, expect, it } from 'vitest'
import { NuMarkdownError, ValidationError } from './errors.js'

describe('ValidationError', () => {
  it('is a NuMarkdownError naming the parameter, with a code and the cause kept', () => {
    const cause = new Error('underneath')
    const error = new ValidationError('expected a boolean, got 1', { parameter: 'splitPages', cause })
    expect(error).toBeInstanceOf(NuMarkdownError)
    expect(error).toMatchObject({
      name: 'ValidationError',
      parameter: 'splitPages',
      code: 'invalid_argument',
    })
    expect(error.cause).toBe(cause)
    expect(error.toJSON()).toEqual({
      name: 'ValidationError',
      message: 'expected a boolean, got 1',
      code: 'invalid_argument',
    })
  })

  it('is recognised by isInstance, also when it comes from another copy of the package', () => {
    const error = new ValidationError('x', { parameter: 'p' })
    expect(NuMarkdownError.isInstance(error)).toBe(true)
    expect(ValidationError.isInstance(error)).toBe(true)
    expect(ValidationError.isInstance(new NuMarkdownError('x'))).toBe(false)
    expect(NuMarkdownError.isInstance(new Error('x'))).toBe(false)

    // A class of the same name from another copy of the package: the shared brand and the name tell.
    const brand = Symbol.for('numarkdown.error')
    class ValidationErrorOfAnotherCopy extends Error {}
    Object.defineProperty(ValidationErrorOfAnotherCopy, 'name', { value: 'ValidationError' })
    Object.defineProperty(ValidationErrorOfAnotherCopy.prototype, brand, { value: true })
    const foreign = new ValidationErrorOfAnotherCopy('x')
    expect(NuMarkdownError.isInstance(foreign)).toBe(true)
    expect(ValidationError.isInstance(foreign)).toBe(true)
  })
})
