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
    expect(new InvalidChunkError('x'.repeat(500)).message).toMatch(/got a string \("x{57}\.\.\."\)/)
    expect(new InvalidChunkError({ a: 1 }).message).toContain('got a plain object')
    expect(new InvalidChunkError(new Map()).message).toContain('got an instance of Map')
    expect(new InvalidItemError(42).message).toContain('got number 42')
    expect(new InvalidItemError({ input: null }).message).toContain('got { input: null }')
    expect(new InvalidOptionError('concurrency', 'an integer ≥ 1', 0).message).toBe(
      'concurrency: expected an integer ≥ 1, got number 0',
    )
  })

  it('keep the conversion error as cause and share one base class', () => {
    const cause = new Error('Broken')
    const error = new ItemFailedError('/data/a.pdf', cause)
    expect(error.message).toBe('converting a string ("/data/a.pdf") failed: Broken')
    expect(error.cause).toBe(cause)
    expect(error.input).toBe('/data/a.pdf')
    expect(error).toBeInstanceOf(NuMarkdownStreamError)
    expect(NuMarkdownStreamError.isInstance(error)).toBe(true)
    expect(NuMarkdownStreamError.isInstance(cause)).toBe(false)
    expect(error.name).toBe('ItemFailedError')
    expect(error.code).toBe('item_failed')
  })
})
