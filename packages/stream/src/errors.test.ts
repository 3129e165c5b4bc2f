import { NuMarkdownError, ValidationError } from '@numarkdown/core'
import { describe, expect, it } from 'vitest'
import {
  InvalidChunkError,
  InvalidItemError,
  InvalidOptionError,
  ItemFailedError,
  NuMarkdownStreamError,
} from './errors.js'

describe('errors', () => {
  it('name what was received without printing it whole', () => {
    expect(new InvalidChunkError('x'.repeat(500)).message).toMatch(/got "x{57}\.\.\."/)
    expect(new InvalidChunkError({ a: 1 }).message).toContain('got an object (Object)')
    expect(new InvalidChunkError(new Map()).message).toContain('got an object (Map)')
    expect(new InvalidItemError(42).message).toContain('got 42')
    expect(new InvalidItemError({ input: null }).message).toContain('got { input: null }')
    expect(new InvalidOptionError('concurrency', 'an integer ≥ 1', 0).message).toBe(
      'concurrency: expected an integer ≥ 1, got 0',
    )
  })

  it('keep the conversion error as cause and share one base class', () => {
    const cause = new Error('Broken')
    const error = new ItemFailedError('/data/a.pdf', cause)
    expect(error.message).toBe('converting "/data/a.pdf" failed: Broken')
    expect(error.cause).toBe(cause)
    expect(error.input).toBe('/data/a.pdf')
    expect(error).toBeInstanceOf(NuMarkdownStreamError)
    expect(NuMarkdownStreamError.isInstance(error)).toBe(true)
    expect(NuMarkdownStreamError.isInstance(cause)).toBe(false)
    expect(error.name).toBe('ItemFailedError')
    expect(error.code).toBe('item_failed')
  })

  it('make a bad option the ValidationError every package throws, and still an error of this package', () => {
    const error = new InvalidOptionError('concurrency', 'an integer ≥ 1', 0)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toBeInstanceOf(NuMarkdownError)
    expect(error).toBeInstanceOf(NuMarkdownStreamError)
    expect(NuMarkdownStreamError.isInstance(error)).toBe(true)
    expect(ValidationError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({
      name: 'InvalidOptionError',
      option: 'concurrency',
      parameter: 'concurrency',
      code: 'invalid_option',
    })
    // The other errors of this package are what they are, not one another.
    expect(new InvalidChunkError('x')).not.toBeInstanceOf(InvalidItemError)
    expect(new InvalidChunkError('x')).not.toBeInstanceOf(ValidationError)
  })
})
