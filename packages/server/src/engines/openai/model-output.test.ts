import { describe, expect, it } from 'vitest'
import { splitModelOutput } from './model-output.js'

describe('splitModelOutput', () => {
  it('splits <think> and <answer>', () => {
    expect(splitModelOutput('<think> a </think>\n<answer> b </answer>', false)).toEqual({
      reasoning: 'a',
      answer: 'b',
      partial: false,
    })
  })

  it('accepts other spellings of the reasoning tag, in any case', () => {
    expect(splitModelOutput('<THINKING>a</THINKING><answer>b</answer>', false).reasoning).toBe('a')
    expect(splitModelOutput('<reasoning>a</reasoning><answer>b</answer>', false).answer).toBe('b')
  })

  it('takes untagged text after the reasoning, or a reply without tags, as the answer', () => {
    expect(splitModelOutput('<think>a</think>\n# Title', false)).toEqual({
      reasoning: 'a',
      answer: '# Title',
      partial: false,
    })
    expect(splitModelOutput('# Just markdown', false)).toEqual({
      reasoning: '',
      answer: '# Just markdown',
      partial: false,
    })
  })

  it('reports unclosed tags and cut-off replies as partial', () => {
    expect(splitModelOutput('<think>never ends', false)).toEqual({
      reasoning: 'never ends',
      answer: '',
      partial: true,
    })
    expect(splitModelOutput('<think>a<answer>half', false)).toEqual({
      reasoning: 'a',
      answer: 'half',
      partial: true,
    })
    expect(splitModelOutput('<answer>done</answer>', true).partial).toBe(true)
  })
})
