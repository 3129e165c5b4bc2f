import { describe, expect, it } from 'vitest'
import { formatPages, parsePageRanges, resolvePageRanges } from './page-ranges.js'

describe('page ranges', () => {
  it('reads pages, closed ranges and ranges open to the end', () => {
    expect(parsePageRanges('1-3,7,10-')).toEqual([
      { first: 1, last: 3 },
      { first: 7, last: 7 },
      { first: 10 },
    ])
    expect(parsePageRanges(' 2 , 4-4 ')).toEqual([
      { first: 2, last: 2 },
      { first: 4, last: 4 },
    ])
  })

  it('refuses anything else, naming the text received', () => {
    for (const text of ['', '0', '1-x', '-3', '1,,2', '1-2-3', 'a', '1.5']) {
      expect(() => parsePageRanges(text)).toThrow(`got ${JSON.stringify(text)}`)
    }
    expect(() => parsePageRanges('5-2')).toThrow('expected ranges that go up, got 5-2 in "5-2"')
  })

  it('resolves against the page count, in order and each page once', () => {
    expect(resolvePageRanges(parsePageRanges('7,1-3,2,9-'), 10)).toEqual([1, 2, 3, 7, 9, 10])
    expect(() => resolvePageRanges(parsePageRanges('3-9'), 4)).toThrow(
      'pages 3-9 are out of range: the document has 4 pages',
    )
    expect(() => resolvePageRanges(parsePageRanges('5-'), 4)).toThrow('pages 5- are out of range')
    expect(() => resolvePageRanges(parsePageRanges('2'), 1)).toThrow('the document has 1 page')
  })

  it('formats page lists back into ranges', () => {
    expect(formatPages([1, 2, 3, 7, 9, 10])).toBe('1-3,7,9-10')
    expect(formatPages([4])).toBe('4')
    expect(formatPages([])).toBe('')
  })
})
