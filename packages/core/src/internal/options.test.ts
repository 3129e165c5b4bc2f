import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors.js'
import { resolveClientOptions } from './options.js'

describe('resolveClientOptions', () => {
  it('takes the token and base URL from the environment when not given', () => {
    const options = resolveClientOptions(
      {},
      { NUMIND_API_KEY: 'env-token', NUMARKDOWN_BASE_URL: 'https://x.test/v1' },
    )
    expect(options.apiKey).toBe('env-token')
    expect(options.baseUrl.href).toBe('https://x.test/v1/')
  })

  it('prefers arguments over the environment and defaults to nuextract.ai', () => {
    const options = resolveClientOptions({ apiKey: 'arg' }, { NUMIND_API_KEY: 'env' })
    expect(options.apiKey).toBe('arg')
    expect(options.baseUrl.href).toBe('https://nuextract.ai/')
    expect(options.concurrency).toBe(4)
    expect(options.waitStrategy).toBe('auto')
  })

  it('names NUMIND_API_KEY when no token is found', () => {
    expect(() => resolveClientOptions({}, {})).toThrow(/NUMIND_API_KEY/)
    expect(() => resolveClientOptions({}, {})).toThrow(ValidationError)
  })

  it('refuses plain http to a non-loopback host unless allowed', () => {
    expect(() => resolveClientOptions({ apiKey: 'k', baseUrl: 'http://api.example.com' }, {})).toThrow(
      /got "http:\/\/api.example.com"/,
    )
    expect(
      resolveClientOptions({ apiKey: 'k', baseUrl: 'http://api.example.com', allowInsecureHttp: true }, {})
        .baseUrl.protocol,
    ).toBe('http:')
    for (const host of ['127.0.0.1:8080', 'localhost:3000', '[::1]:9000']) {
      expect(resolveClientOptions({ apiKey: 'k', baseUrl: `http://${host}` }, {}).baseUrl.protocol).toBe(
        'http:',
      )
    }
  })

  it('rejects bad values, naming what it received', () => {
    expect(() => resolveClientOptions({ apiKey: 'k', concurrency: 0 }, {})).toThrow(
      'expected an integer concurrency ≥ 1, got 0',
    )
    expect(() => resolveClientOptions({ apiKey: 'k', concurrency: 1.5 }, {})).toThrow(/got 1.5/)
    expect(() => resolveClientOptions({ apiKey: 'k', maxRetries: -1 }, {})).toThrow(/maxRetries/)
    expect(() => resolveClientOptions({ apiKey: 'k', baseUrl: 'ftp://x' }, {})).toThrow(/ftp/)
    expect(() => resolveClientOptions({ apiKey: 'k', baseUrl: 'not a url' }, {})).toThrow(/"not a url"/)
    expect(() => resolveClientOptions({ apiKey: 'k', waitStrategy: 'push' as never }, {})).toThrow(/"push"/)
    expect(() => resolveClientOptions({ apiKey: 'k', logger: {} as never }, {})).toThrow(/debug\(\)/)
    expect(() => resolveClientOptions({ apiKey: 'k', timeoutMs: Number.NaN }, {})).toThrow(/NaN/)
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
