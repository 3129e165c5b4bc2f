import { describe, expect, it } from 'vitest'
import { readOutputData } from './output-data.js'

// The common cases (both spellings, 206, double encoding, recovery of a cut-off answer) are covered through the
// client's `resultFromJob`, whose tests run every raw output of the shared table; these are the rest.
describe('readOutputData', () => {
  it('reads token counts nested under usage, in this API’s spelling or OpenAI’s', () => {
    const openai = JSON.stringify({
      result: 'x',
      reasoning: 'y',
      usage: { prompt_tokens: 1, completion_tokens: 2 },
    })
    expect(readOutputData(openai).usage).toEqual({ inputTokens: 1, outputTokens: 2 })
    const nested = JSON.stringify({ result: 'x', reasoning: 'y', usage: { totalTokens: 9 } })
    expect(readOutputData(nested).usage).toEqual({ totalTokens: 9 })
    expect(readOutputData(JSON.stringify({ result: 'x', reasoning: 'y' })).usage).toBeUndefined()
  })

  it('takes outputData that is not JSON as the markdown itself, and a partial flag as partial', () => {
    expect(readOutputData('# plain')).toMatchObject({ markdown: '# plain', partial: true })
    expect(readOutputData(JSON.stringify({ result: 'x', reasoning: 'y', partial: true })).partial).toBe(true)
  })

  it('recovers only an answer marked as one, and only what is missing', () => {
    const cut = JSON.stringify({
      result: '',
      reasoning: '',
      rawResponse: '<think>plan</think><answer># Title',
    })
    expect(readOutputData(cut)).toMatchObject({ markdown: '# Title', reasoning: 'plan', recovered: true })
    const untagged = JSON.stringify({ result: '', reasoning: '', rawResponse: 'no tags' })
    expect(readOutputData(untagged)).toMatchObject({ markdown: '', reasoning: '', recovered: false })
    const kept = JSON.stringify({
      result: '# Kept',
      reasoning: '',
      rawResponse: '<think>why</think><answer>other',
    })
    expect(readOutputData(kept)).toMatchObject({ markdown: '# Kept', reasoning: 'why', recovered: false })
  })
})
