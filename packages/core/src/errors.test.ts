import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  APIError,
  AuthenticationError,
  JobFailedError,
  JobTimeoutError,
  NuMarkdownError,
  RateLimitError,
  ServerError,
} from './errors.js'
import { errorFromResponse } from './internal/http.js'

describe('errors', () => {
  it('maps statuses to classes in one place', () => {
    const cases: Array<[number, string]> = [
      [400, 'BadRequestError'],
      [401, 'AuthenticationError'],
      [403, 'PermissionDeniedError'],
      [404, 'NotFoundError'],
      [413, 'PayloadTooLargeError'],
      [429, 'RateLimitError'],
      [500, 'ServerError'],
      [503, 'ServerError'],
      [418, 'APIError'],
    ]
    for (const [status, name] of cases) {
      const error = errorFromResponse({ status, headers: {}, bodyText: '', token: 'token' })
      expect(error.name).toBe(name)
      expect(error.status).toBe(status)
      expect(error).toBeInstanceOf(APIError)
    }
  })

  it('reads JSON and plain-text bodies, Retry-After and the request ID', () => {
    const json = errorFromResponse({
      status: 429,
      headers: { 'retry-after': '2', 'x-request-id': 'r-1' },
      bodyText: '{"code":"RateLimited","message":"slow down"}',
      token: 'secret-token',
    })
    expect(json).toBeInstanceOf(RateLimitError)
    expect(json).toMatchObject({ code: 'RateLimited', retryAfterMs: 2000, requestId: 'r-1' })
    expect(json.message).toBe('429 slow down')
    const text = errorFromResponse({
      status: 400,
      headers: {},
      bodyText: 'Invalid value for: query parameter temperature',
      token: 'secret-token',
    })
    expect(text.message).toBe('400 Invalid value for: query parameter temperature')
    expect(text.code).toBeUndefined()
  })

  it('brands errors so isInstance works across copies and subclasses', () => {
    const error = new ServerError('boom', { status: 500 })
    expect(NuMarkdownError.isInstance(error)).toBe(true)
    expect(APIError.isInstance(error)).toBe(true)
    expect(ServerError.isInstance(error)).toBe(true)
    expect(RateLimitError.isInstance(error)).toBe(false)
    expect(NuMarkdownError.isInstance(new Error('x'))).toBe(false)
    expect(NuMarkdownError.isInstance(null)).toBe(false)
    // An error made by another copy of the package: same brand, different class objects.
    class ServerErrorCopy extends Error {}
    Object.defineProperty(ServerErrorCopy, 'name', { value: 'ServerError' })
    Object.defineProperty(ServerErrorCopy.prototype, Symbol.for('numarkdown.error'), { value: true })
    const foreign = new ServerErrorCopy('x')
    expect(NuMarkdownError.isInstance(foreign)).toBe(true)
    expect(ServerError.isInstance(foreign)).toBe(true)
    expect(AuthenticationError.isInstance(foreign)).toBe(false)
  })

  it('keeps the cause and job details; JobTimeoutError is a JobFailedError', () => {
    const cause = new Error('root')
    const error = new JobTimeoutError('late', { jobId: 'j', code: 'JobTimeout', cause })
    expect(error.cause).toBe(cause)
    expect(error).toBeInstanceOf(JobFailedError)
    expect(error.jobId).toBe('j')
  })

  it('never carries the token: message, inspect, JSON', () => {
    const token = 'sk-very-secret-token'
    const error = errorFromResponse({
      status: 401,
      headers: { 'www-authenticate': `Bearer ${token}`, 'x-echo': token },
      bodyText: JSON.stringify({ code: 'Unauthorized', message: `bad header: Bearer ${token}` }),
      token,
    })
    expect(error.message).not.toContain(token)
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(token)
    expect(JSON.stringify(error)).not.toContain(token)
    expect(JSON.stringify(error.headers)).not.toContain(token)
  })
})
