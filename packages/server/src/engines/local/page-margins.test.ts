import { describe, expect, it } from 'vitest'
import { dropRepeatedMargins, type PageLines } from './page-margins.js'
import type { Line } from './text-lines.js'

function line(text: string, y: number, fontSize = 10): Line {
  const segment = { text, x0: 72, x1: 72 + text.length * 5, y, fontSize, bold: false }
  return { y, x0: segment.x0, x1: segment.x1, fontSize, bold: false, segments: [segment] }
}

function page(lines: Line[]): PageLines {
  return { height: 800, lines }
}

describe('dropRepeatedMargins', () => {
  it('drops headers repeated across pages (page numbers ignored) and lone page numbers', () => {
    const pages = [1, 2, 3].map((number) =>
      page([
        line(`Annual report ${number}`, 40, 9),
        line('Body text of the page.', 300),
        line(`${number}`, 770, 9),
      ]),
    )
    expect(dropRepeatedMargins(pages, 10)).toBe(6)
    expect(pages.every((entry) => entry.lines.length === 1)).toBe(true)
  })

  it('drops a small running title with its page number even on a single page, and keeps body-size lines', () => {
    const single = page([line('Optimized Table Tokenization 9', 100, 9), line('Body text.', 300)])
    expect(dropRepeatedMargins([single], 10)).toBe(1)
    const title = page([line('Chapter 3', 100, 10), line('Body text.', 300)])
    expect(dropRepeatedMargins([title], 10)).toBe(0)
  })
})
