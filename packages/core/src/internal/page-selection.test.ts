import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors.js'
import { parsePageSpec, selectPages } from './page-selection.js'

describe('parsePageSpec and selectPages', () => {
  it('reads pages, ranges and open ranges, each page once and in order', () => {
    expect(selectPages(parsePageSpec('1-3, 7,10-'), 12)).toEqual([1, 2, 3, 7, 10, 11, 12])
    expect(selectPages(parsePageSpec('7,1-2,2'), 7)).toEqual([1, 2, 7])
    expect(selectPages(parsePageSpec([3, 1, 3]), 3)).toEqual([1, 3])
    expect(selectPages(undefined, 3)).toEqual([1, 2, 3])
    expect(parsePageSpec(undefined)).toBeUndefined()
  })

  it.each([
    ['', /"" is not a page/],
    ['1-3,x', /"x" is not a page/],
    ['0', /count from 1/],
    ['5-2', /5-2 ends before it starts/],
    ['1,,2', /"" is not a page/],
  ])('refuses the spec %j, naming it', (spec, why) => {
    const error = (() => {
      try {
        parsePageSpec(spec)
      } catch (caught) {
        return caught as ValidationError
      }
    })()
    expect(error).toBeInstanceOf(ValidationError)
    expect(error?.parameter).toBe('pages')
    expect(error?.message).toContain(`pages ${JSON.stringify(spec)}`)
    expect(error?.message).toMatch(why)
  })

  it('refuses an array that is empty or holds something other than page numbers', () => {
    expect(() => parsePageSpec([])).toThrow(/pages \[\]: the list is empty/)
    expect(() => parsePageSpec([1, 0])).toThrow(/0 is not a page number/)
    expect(() => parsePageSpec([1.5])).toThrow(ValidationError)
    expect(() => parsePageSpec(3)).toThrow(/expected a string like '1-3,7,10-'/)
  })

  it('refuses pages past the end, naming the page count', () => {
    expect(() => selectPages(parsePageSpec('3-4'), 3)).toThrow(
      'pages "3-4": the document has 3 pages; ask for pages 1 to 3',
    )
    expect(() => selectPages(parsePageSpec([2]), 1)).toThrow(/has 1 page;/)
  })
})
