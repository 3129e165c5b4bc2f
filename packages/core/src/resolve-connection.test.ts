import { describe, expect, it } from 'vitest'
import { resolveConnection } from './resolve-connection.js'

describe('resolveConnection', () => {
  it('takes the token from NUMIND_API_KEY, and the base URL from NUMARKDOWN_BASE_URL along with it', () => {
    expect(
      resolveConnection({}, { NUMIND_API_KEY: 'k-123456', NUMARKDOWN_BASE_URL: 'http://127.0.0.1:9' }),
    ).toEqual({ apiKey: 'k-123456', baseUrl: 'http://127.0.0.1:9', remote: true })
  })

  it('names no service without a token, whatever NUMARKDOWN_BASE_URL says', () => {
    expect(resolveConnection({}, { NUMARKDOWN_BASE_URL: 'http://127.0.0.1:9' })).toEqual({
      apiKey: undefined,
      baseUrl: undefined,
      remote: false,
    })
    expect(resolveConnection({}, { NUMIND_API_KEY: '' })).toMatchObject({ apiKey: undefined, remote: false })
  })

  it('prefers what it is given over the environment; a base URL alone names a service', () => {
    const environment = { NUMIND_API_KEY: 'from-environment', NUMARKDOWN_BASE_URL: 'https://env.test' }
    expect(resolveConnection({ apiKey: 'given', baseUrl: 'https://given.test' }, environment)).toEqual({
      apiKey: 'given',
      baseUrl: 'https://given.test',
      remote: true,
    })
    expect(resolveConnection({ baseUrl: 'https://given.test' }, {})).toEqual({
      apiKey: undefined,
      baseUrl: 'https://given.test',
      remote: true,
    })
  })
})
