import {
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  JobFailedError,
  JobTimeoutError,
  RateLimitError,
  ServerError,
} from '@numarkdown/core'
import { describe, expect, it } from 'vitest'
import { classifyError } from './classify-error.js'

describe('classifyError', () => {
  it('retries what may pass, reports what the document or the service refuses', () => {
    expect(classifyError(new ConnectionError('refused')).kind).toBe('transient')
    expect(classifyError(new ServerError('boom', { status: 503 })).kind).toBe('transient')
    expect(classifyError(new RateLimitError('slow down', { status: 429, retryAfterMs: 1500 }))).toMatchObject(
      {
        kind: 'transient',
        retryAfterMs: 1500,
      },
    )
    expect(classifyError(new BadRequestError('bad body', { status: 400 })).kind).toBe('document')
    expect(classifyError(new JobFailedError('unreadable', { jobId: 'j1' }))).toMatchObject({
      kind: 'document',
      jobId: 'j1',
    })
    // A subclass of JobFailedError, told apart: past its execution time on the server, not the document's fault.
    expect(classifyError(new JobTimeoutError('too long', { jobId: 'j2', code: 'JobTimeout' })).kind).toBe(
      'transient',
    )
    expect(classifyError(new AuthenticationError('no', { status: 401 })).kind).toBe('refused')
    expect(classifyError(Object.assign(new Error('gone'), { code: 'ENOENT' })).kind).toBe('vanished')
    expect(classifyError(Object.assign(new Error('full'), { code: 'ENOSPC' })).kind).toBe('transient')
    expect(classifyError(Object.assign(new Error('denied'), { code: 'EACCES' })).kind).toBe('document')
  })
})
