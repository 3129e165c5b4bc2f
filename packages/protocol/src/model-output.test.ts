import { describe, expect, it } from 'vitest'
import { splitModelOutput } from './model-output.js'
import { modelOutputCases } from './testing.js'

describe('splitModelOutput', () => {
  it.each(modelOutputCases)('$name', ({ raw, name: _name, ...parts }) => {
    expect(splitModelOutput(raw)).toEqual(parts)
  })

  it('covers closed and cut-off outputs and every spelling of the reasoning tag', () => {
    expect(modelOutputCases.some((example) => example.cutOff)).toBe(true)
    expect(modelOutputCases.some((example) => !example.cutOff)).toBe(true)
    for (const tag of ['think', 'thinking', 'thought', 'thoughts', 'reasoning', 'reason']) {
      expect(modelOutputCases.some((example) => example.raw.startsWith(`<${tag}>`))).toBe(true)
    }
  })
})
