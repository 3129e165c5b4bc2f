/**
 * The `--pages` grammar (`1-3,7,10-`): parsed and checked when the command line is read, resolved against a
 * document's page count once the document is open. Kept free of imports so that reading arguments stays fast.
 */

/** One item of a `--pages` list: a page, a closed range, or a range open to the last page (`last` absent). */
export interface PageRange {
  first: number
  last?: number
}

const item = /^(\d+)(?:(-)(\d+)?)?$/

/**
 * Parses `1-3,7,10-` into ranges. Throws a `RangeError` naming the text received when it is not a list of
 * pages (`N`), ranges (`N-M`, N ≤ M) and open ranges (`N-`), pages counted from 1.
 */
export function parsePageRanges(text: string): PageRange[] {
  const expected = `expected pages such as 1-3,7,10- (from 1, comma-separated), got ${JSON.stringify(text)}`
  const parts = text.split(',').map((part) => part.trim())
  if (parts.length === 0 || parts.some((part) => part === '')) throw new RangeError(expected)
  return parts.map((part) => {
    const match = item.exec(part)
    if (!match) throw new RangeError(expected)
    const first = Number(match[1])
    if (first < 1 || !Number.isSafeInteger(first)) throw new RangeError(expected)
    if (match[2] === undefined) return { first, last: first }
    if (match[3] === undefined) return { first }
    const last = Number(match[3])
    if (!Number.isSafeInteger(last)) throw new RangeError(expected)
    if (last < first) {
      throw new RangeError(`expected ranges that go up, got ${part} in ${JSON.stringify(text)}`)
    }
    return { first, last }
  })
}

/**
 * The pages the ranges select in a document of `pageCount` pages, ascending and each once. Throws a
 * `RangeError` naming the page count when a range reaches past the last page.
 */
export function resolvePageRanges(ranges: readonly PageRange[], pageCount: number): number[] {
  const selected = new Set<number>()
  for (const range of ranges) {
    const last = range.last ?? pageCount
    if (range.first > pageCount || last > pageCount) {
      const shown = range.last === undefined ? `${range.first}-` : formatRange(range.first, range.last)
      throw new RangeError(
        `pages ${shown} are out of range: the document has ${pageCount} page${pageCount === 1 ? '' : 's'}`,
      )
    }
    for (let page = range.first; page <= last; page++) selected.add(page)
  }
  return [...selected].sort((a, b) => a - b)
}

/** `[1, 2, 3, 7]` → `1-3,7`. */
export function formatPages(pages: readonly number[]): string {
  const parts: string[] = []
  let start: number | undefined
  let previous: number | undefined
  for (const page of pages) {
    if (start !== undefined && previous !== undefined && page === previous + 1) {
      previous = page
      continue
    }
    if (start !== undefined && previous !== undefined) parts.push(formatRange(start, previous))
    start = page
    previous = page
  }
  if (start !== undefined && previous !== undefined) parts.push(formatRange(start, previous))
  return parts.join(',')
}

function formatRange(first: number, last: number): string {
  return first === last ? String(first) : `${first}-${last}`
}
