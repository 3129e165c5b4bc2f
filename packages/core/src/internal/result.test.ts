import { modelOutputCases } from '@numarkdown/protocol/testing'
import { describe, expect, it } from 'vitest'
import { JobFailedError, JobTimeoutError } from '../errors.js'
import type { Job } from '../types.js'
import { resultFromJob } from './result.js'

function job(fields: Partial<Job> & { output?: unknown }): Job {
  const { output, ...rest } = fields
  return {
    id: 'job-1',
    jobType: 'markdown',
    status: 'completed',
    ownerUser: 'u',
    inputData: '{}',
    startedAt: '2026-01-01T00:00:00Z',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    ...(output === undefined
      ? {}
      : { outputData: typeof output === 'string' ? output : JSON.stringify(output) }),
    ...rest,
  }
}

describe('resultFromJob', () => {
  it('reads result/reasoning/rawResponse', () => {
    const result = resultFromJob(job({ output: { result: '# A', reasoning: 'why', rawResponse: 'raw' } }))
    expect(result).toMatchObject({
      markdown: '# A',
      reasoning: 'why',
      partial: false,
      recovered: false,
      jobId: 'job-1',
    })
    expect(result.rawResponse).toBe('raw')
  })

  it('reads the later spelling with token counts', () => {
    const result = resultFromJob(
      job({
        status: 'COMPLETED',
        output: {
          result: '# B',
          thinkingTrace: 't',
          rawModelOutput: 'r',
          inputTokens: 3,
          outputTokens: 4,
          totalTokens: 7,
        },
      }),
    )
    expect(result).toMatchObject({ markdown: '# B', reasoning: 't', rawResponse: 'r', partial: false })
    expect(result.usage).toEqual({ inputTokens: 3, outputTokens: 4, totalTokens: 7 })
  })

  it('marks 206 and empty fields partial', () => {
    expect(resultFromJob(job({ output: { result: 'a', reasoning: 'b' } }), 206).partial).toBe(true)
    expect(resultFromJob(job({ output: { result: 'a', reasoning: '' } })).partial).toBe(true)
    expect(resultFromJob(job({})).partial).toBe(true)
  })

  it('recovers a cut-off answer from the raw output', () => {
    const result = resultFromJob(
      job({ output: { result: '', reasoning: '', rawResponse: '<think>plan</think><answer># Title\nbody' } }),
      206,
    )
    expect(result).toMatchObject({
      markdown: '# Title\nbody',
      reasoning: 'plan',
      partial: true,
      recovered: true,
    })
  })

  it('parses outputData encoded twice', () => {
    const inner = JSON.stringify({ result: 'x', reasoning: 'y' })
    expect(resultFromJob(job({ outputData: JSON.stringify(inner) })).markdown).toBe('x')
  })

  it('throws JobFailedError with the server code and message', () => {
    const failed = job({ status: 'failed', errorCode: 'Corrupt', errorMessage: 'Unreadable PDF' })
    expect(() => resultFromJob(failed)).toThrow(JobFailedError)
    try {
      resultFromJob(failed)
    } catch (error) {
      expect(error).toMatchObject({ code: 'Corrupt', jobId: 'job-1' })
      expect((error as Error).message).toContain('Unreadable PDF')
      expect((error as JobFailedError).job?.id).toBe('job-1')
    }
    expect(() => resultFromJob(job({ status: 'Timeout' }))).toThrow(JobTimeoutError)
    expect(() => resultFromJob(job({ status: 'canceled' }))).toThrow(/cancelled/)
  })
})

describe('resultFromJob on the raw outputs of the shared table', () => {
  it.each(modelOutputCases)('recovers what the raw output holds: $name', (example) => {
    const result = resultFromJob(
      job({ output: { result: '', reasoning: '', rawResponse: example.raw } }),
      206,
    )
    // Only an answer marked as one is taken for the markdown: untagged raw text may be anything.
    const recovered = example.tagged && example.answer !== ''
    expect(result).toMatchObject({
      markdown: recovered ? example.answer : '',
      reasoning: example.reasoning,
      partial: true,
      recovered,
      rawResponse: example.raw,
    })
  })

  it('keeps the fields the service did split', () => {
    const result = resultFromJob(
      job({ output: { result: '# Kept', reasoning: '', rawResponse: '<think>why</think><answer>other' } }),
    )
    expect(result).toMatchObject({ markdown: '# Kept', reasoning: 'why', partial: true, recovered: false })
  })
})
