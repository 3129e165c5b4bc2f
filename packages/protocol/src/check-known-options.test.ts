import { describe, expect, it } from 'vitest'
import { checkKnownOptions, optionKeys } from './check-known-options.js'
import { ValidationError } from './errors.js'

const known = ['apiKey', 'baseUrl', 'maxRetries', 'timeoutMs', 'concurrency']

function messageOf(run: () => void): string {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return (error as Error).message
  }
  throw new Error('expected a ValidationError')
}

describe('checkKnownOptions', () => {
  it('accepts known keys, undefined values of known keys and no options at all', () => {
    expect(() => checkKnownOptions({ apiKey: 'x', baseUrl: undefined }, known)).not.toThrow()
    expect(() => checkKnownOptions(undefined, known)).not.toThrow()
    expect(() => checkKnownOptions({}, known)).not.toThrow()
    expect(() => checkKnownOptions({ tokens: [] }, ['tokens'], 'x')).not.toThrow()
  })

  it('names an unknown key and the closest known one', () => {
    expect(
      messageOf(() => checkKnownOptions({ apiKey: 'x', baseURL: 'http://127.0.0.1' }, known, 'client')),
    ).toBe('client: unknown option baseURL: did you mean baseUrl?')
    expect(messageOf(() => checkKnownOptions({ maxRetires: 2 }, known))).toBe(
      'unknown option maxRetires: did you mean maxRetries?',
    )
    expect(messageOf(() => checkKnownOptions({ timeout: 2 }, known))).toBe(
      'unknown option timeout: did you mean timeoutMs?',
    )
    expect(
      messageOf(() => checkKnownOptions({ baseURL: 'x' }, ['apiKey', 'baseUrl'], 'openaiEngine options')),
    ).toBe('openaiEngine options: unknown option baseURL: did you mean baseUrl?')
  })

  it('suggests nothing when no key is close', () => {
    expect(messageOf(() => checkKnownOptions({ colour: 'red' }, known))).toBe('unknown option colour')
    expect(
      messageOf(() => checkKnownOptions({ colour: 1 }, ['concurrency', 'tokens'], 'startServer options')),
    ).toBe('startServer options: unknown option colour')
  })

  it('sets the rejected key as the parameter', () => {
    expect.assertions(1)
    try {
      checkKnownOptions({ baseURL: 'x' }, known)
    } catch (error) {
      expect((error as ValidationError).parameter).toBe('baseURL')
    }
  })

  it('refuses a value that is not an options object', () => {
    expect(messageOf(() => checkKnownOptions('http://x', known, 'client'))).toBe(
      'client: expected an options object, got "http://x"',
    )
    expect(messageOf(() => checkKnownOptions([1], known))).toBe('expected an options object, got an array')
    expect(messageOf(() => checkKnownOptions('fast', ['tokens'], 'x'))).toBe(
      'x: expected an options object, got "fast"',
    )
  })
})

describe('optionKeys', () => {
  it('lists the keys of the literal, frozen', () => {
    const keys = optionKeys<{ concurrency?: number; signal?: AbortSignal }>({
      concurrency: true,
      signal: true,
    })
    expect(keys).toEqual(['concurrency', 'signal'])
    expect(Object.isFrozen(keys)).toBe(true)
  })
})
