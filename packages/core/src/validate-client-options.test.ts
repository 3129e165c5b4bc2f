import { describe, expect, it } from 'vitest'
import { ValidationError } from './errors.js'
import { validateClientOptions } from './validate-client-options.js'

describe('validateClientOptions', () => {
  it('accepts what the constructor accepts', () => {
    expect(() =>
      validateClientOptions({
        apiKey: 'test-token-0123456789',
        baseUrl: 'http://127.0.0.1:8787',
        concurrency: 2,
      }),
    ).not.toThrow()
  })

  it('throws what the constructor throws', () => {
    expect(() => validateClientOptions({ apiKey: 'test-token-0123456789', baseURL: 'x' } as never)).toThrow(
      'NuMarkdownClient options: unknown option baseURL: did you mean baseUrl?',
    )
    expect(() => validateClientOptions({ apiKey: 'short' })).toThrow(ValidationError)
    expect(() => validateClientOptions({ apiKey: 'test-token-0123456789', concurrency: 0 })).toThrow(
      'expected an integer concurrency ≥ 1, got 0',
    )
  })
})
