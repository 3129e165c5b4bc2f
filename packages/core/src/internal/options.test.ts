import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors.js'
import { resolveClientOptions } from './options.js'

const key = 'test-token-0123456789'

describe('resolveClientOptions', () => {
  it('takes the token and base URL from the environment when not given', () => {
    const options = resolveClientOptions(
      {},
      { NUMIND_API_KEY: 'env-token-0123456789', NUMARKDOWN_BASE_URL: 'https://x.test/v1' },
    )
    expect(options.apiKey).toBe('env-token-0123456789')
    expect(options.baseUrl.href).toBe('https://x.test/v1/')
  })

  it('prefers arguments over the environment and defaults to nuextract.ai', () => {
    const options = resolveClientOptions(
      { apiKey: 'argument-token-0123' },
      { NUMIND_API_KEY: 'environment-token-0123' },
    )
    expect(options.apiKey).toBe('argument-token-0123')
    expect(options.baseUrl.href).toBe('https://nuextract.ai/')
    expect(options.concurrency).toBe(4)
    expect(options.waitStrategy).toBe('auto')
  })

  it('names NUMIND_API_KEY when no token is found', () => {
    expect(() => resolveClientOptions({}, {})).toThrow(/NUMIND_API_KEY/)
    expect(() => resolveClientOptions({}, {})).toThrow(ValidationError)
  })

  it('refuses plain http to a non-loopback host unless allowed', () => {
    expect(() => resolveClientOptions({ apiKey: key, baseUrl: 'http://api.example.com' }, {})).toThrow(
      /got "http:\/\/api.example.com"/,
    )
    expect(
      resolveClientOptions({ apiKey: key, baseUrl: 'http://api.example.com', allowInsecureHttp: true }, {})
        .baseUrl.protocol,
    ).toBe('http:')
    for (const host of ['127.0.0.1:8080', 'localhost:3000', '[::1]:9000']) {
      expect(resolveClientOptions({ apiKey: key, baseUrl: `http://${host}` }, {}).baseUrl.protocol).toBe(
        'http:',
      )
    }
  })

  it('rejects bad values, naming what it received', () => {
    expect(() => resolveClientOptions({ apiKey: key, concurrency: 0 }, {})).toThrow(
      'expected an integer concurrency ≥ 1, got 0',
    )
    expect(() => resolveClientOptions({ apiKey: key, concurrency: 1.5 }, {})).toThrow(/got 1.5/)
    expect(() => resolveClientOptions({ apiKey: key, maxRetries: -1 }, {})).toThrow(/maxRetries/)
    expect(() => resolveClientOptions({ apiKey: key, baseUrl: 'ftp://x' }, {})).toThrow(/ftp/)
    expect(() => resolveClientOptions({ apiKey: key, baseUrl: 'not a url' }, {})).toThrow(/"not a url"/)
    expect(() => resolveClientOptions({ apiKey: key, waitStrategy: 'push' as never }, {})).toThrow(/"push"/)
    expect(() => resolveClientOptions({ apiKey: key, logger: {} as never }, {})).toThrow(/debug\(\)/)
    expect(() => resolveClientOptions({ apiKey: key, timeoutMs: Number.NaN }, {})).toThrow(/NaN/)
  })

  it('refuses a token too short to be kept out of logs, naming where it came from', () => {
    expect(() => resolveClientOptions({}, { NUMIND_API_KEY: 't' })).toThrow(
      /^NUMIND_API_KEY is too short \(1 characters\) to be kept out of logs safely: use a token of at least 16 characters/,
    )
    expect(() => resolveClientOptions({ apiKey: 'fifteen-chars-x' }, {})).toThrow(
      /^The apiKey option is too short \(15 characters\)/,
    )
    try {
      resolveClientOptions({ apiKey: 'secret-short' }, {})
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError)
      expect(error).toMatchObject({ parameter: 'apiKey', code: 'api_key_too_short' })
      expect((error as Error).message).not.toContain('secret-short')
    }
  })

  it('accepts real token shapes', () => {
    for (const token of [
      'sixteen-chars-xx', // the shortest allowed
      'kQ3v9X0bN2m5T8wZr1Yc4Hd7Lf6Jp0sA', // 32 characters of base64url, as @numarkdown/server generates
      '0b8a5a4e-3f63-4a8e-9c55-2f7d1c9e6b21', // a UUID
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ', // a JWT
      'nm_live_0123456789abcdefABCDEF', // a prefixed key
    ]) {
      expect(resolveClientOptions({ apiKey: token }, {}).apiKey).toBe(token)
    }
  })

  it('never echoes the token in a validation message', () => {
    try {
      resolveClientOptions({ apiKey: 'secret\ntoken' }, {})
      expect.unreachable()
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('secret')
    }
  })
})
