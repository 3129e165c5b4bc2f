import { expect, it, describe as suite } from 'vitest'
import { describe } from './describe.js'

suite('describe', () => {
  it('shows primitives as written and strings quoted', () => {
    expect(describe(3.4)).toBe('3.4')
    expect(describe(Number.NaN)).toBe('NaN')
    expect(describe(true)).toBe('true')
    expect(describe(null)).toBe('null')
    expect(describe(undefined)).toBe('undefined')
    expect(describe(10n)).toBe('10n')
    expect(describe('fast')).toBe('"fast"')
  })

  it('never shows a long string whole', () => {
    expect(describe('x'.repeat(500))).toBe(`"${'x'.repeat(57)}..."`)
  })

  it('names other values by their kind', () => {
    expect(describe([1, 2])).toBe('an array')
    expect(describe(() => {})).toBe('a function')
    expect(describe({ a: 1 })).toBe('an object (Object)')
    expect(describe(new Map())).toBe('an object (Map)')
  })
})
