import { AuthenticationError, JobFailedError, NuMarkdownError, PayloadTooLargeError } from '@numarkdown/core'
import { describe, expect, it } from 'vitest'
import { NuMarkdownLoaderError } from './nu-markdown-loader-error.js'

describe('NuMarkdownLoaderError', () => {
  it("takes the status, code and the server's message of an error response, without the status prefix", () => {
    const cause = new PayloadTooLargeError('413 The upload exceeds the limit of 4096 bytes', {
      status: 413,
      code: 'PayloadTooLarge',
    })
    const error = new NuMarkdownLoaderError('large.pdf', cause)
    expect(error).toBeInstanceOf(NuMarkdownError)
    expect(NuMarkdownLoaderError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({
      name: 'NuMarkdownLoaderError',
      source: 'large.pdf',
      status: 413,
      code: 'PayloadTooLarge',
      serverMessage: 'The upload exceeds the limit of 4096 bytes',
      cause,
    })
    expect(error.message).toBe(
      'Could not convert "large.pdf": 413 The upload exceeds the limit of 4096 bytes',
    )
  })

  it('has no server message for an empty error body', () => {
    const error = new NuMarkdownLoaderError('a.pdf', new AuthenticationError('401', { status: 401 }))
    expect(error.serverMessage).toBeUndefined()
    expect(error.status).toBe(401)
  })

  it("takes the job ID and the failed job's own message", () => {
    const cause = new JobFailedError('Job j-1 failed: Unreadable', {
      jobId: 'j-1',
      code: 'Corrupt',
      job: {
        id: 'j-1',
        jobType: 'markdown',
        status: 'failed',
        ownerUser: 'someone',
        inputData: '{}',
        errorMessage: 'Unreadable',
        errorCode: 'Corrupt',
        startedAt: '',
        createdAt: '',
        updatedAt: '',
      },
    })
    const error = new NuMarkdownLoaderError('scan.pdf', cause)
    expect(error.toJSON()).toEqual({
      name: 'NuMarkdownLoaderError',
      message: 'Could not convert "scan.pdf": Job j-1 failed: Unreadable',
      code: 'Corrupt',
      jobId: 'j-1',
      source: 'scan.pdf',
      serverMessage: 'Unreadable',
    })
  })

  it('wraps any other failure, naming the source', () => {
    const error = new NuMarkdownLoaderError('notes.md', new Error('disk on fire'))
    expect(error.message).toBe('Could not convert "notes.md": disk on fire')
    expect(error.status).toBeUndefined()
    expect(error.serverMessage).toBeUndefined()
  })
})
