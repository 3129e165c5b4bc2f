import { describe, expect, it } from 'vitest'
import { editSimilarity, tokenF1, words } from './text-scores.ts'

describe('text scores', () => {
  it('normalise markdown syntax away', () => {
    expect(words('## Title\n\n| A1 | **B1** |<br>x')).toEqual(['title', 'a1', 'b1', 'br', 'x'])
  })

  it('score bags of words and their order', () => {
    expect(tokenF1(['a', 'b', 'c'], ['c', 'b', 'a'])).toBe(1)
    expect(tokenF1(['a', 'b'], ['a', 'b', 'c', 'd'])).toBeCloseTo(2 / 3)
    expect(editSimilarity(['a', 'b', 'c'], ['c', 'b', 'a'])).toBeCloseTo(1 / 3)
    expect(tokenF1([], ['a'])).toBe(0)
  })
})
