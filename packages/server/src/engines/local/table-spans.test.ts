import { describe, expect, it } from 'vitest'
import { expandTableSpans } from './table-spans.js'

const cells = (html: string): string[][] =>
  [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((row) =>
    [...(row[1] ?? '').matchAll(/<td>(.*?)<\/td>/g)].map((cell) => cell[1] ?? ''),
  )

describe('expandTableSpans', () => {
  it('repeats a cell over the columns and rows it spans', () => {
    const html =
      '<table><tr><td>a</td><td colspan="2">b</td></tr>' +
      '<tr><td rowspan="2">c</td><td>d</td><td>e</td></tr>' +
      '<tr><td>f</td><td>g</td></tr></table>'
    expect(cells(expandTableSpans(html))).toEqual([
      ['a', 'b', 'b'],
      ['c', 'd', 'e'],
      ['c', 'f', 'g'],
    ])
  })

  it('leaves tables without spans, and nested tables, as they are', () => {
    const plain = '<table><tr><td>a</td></tr></table>'
    expect(expandTableSpans(plain)).toBe(plain)
    const nested = '<table><tr><td colspan="2"><table><tr><td>x</td></tr></table></td></tr></table>'
    expect(expandTableSpans(nested)).toBe(nested)
  })
})
