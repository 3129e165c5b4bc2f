import { type Line, lineText } from './text-lines.js'

/** A page's lines and its height, as the margin filter needs them. */
export interface PageLines {
  height: number
  lines: Line[]
}

const pageNumber = /^(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s*(?:of|\/)\s*\d{1,4})?$/i
const marginLines = 3

function key(line: Line): string {
  return lineText(line).toLowerCase().replace(/\d+/g, '#').replace(/\s+/g, ' ').trim()
}

function marginCandidates(page: PageLines): Line[] {
  const top = page.lines.slice(0, marginLines).filter((line) => line.y < page.height * 0.15)
  const bottom = page.lines.slice(-marginLines).filter((line) => line.y > page.height * 0.85)
  return [...new Set([...top, ...bottom])]
}

/** A running title with its page number: `Chapter 3. Results 15`, `16 Annual report`. */
const numberedRunningLine = /^\d{1,4}\s+\S.{2,}$|^\S.{2,}\s\d{1,4}$/

/**
 * Whether a page's first or last line, in the outer 15% of the page, set smaller than the running text, reads
 * like a running title with its page number: how a header shows on a document too short for it to repeat.
 */
function isRunningLine(page: PageLines, line: Line, bodySize: number): boolean {
  const outer = line.y < page.height * 0.15 || line.y > page.height * 0.85
  const edge = line === page.lines[0] || line === page.lines.at(-1)
  return outer && edge && line.fontSize < bodySize * 0.95 && numberedRunningLine.test(lineText(line).trim())
}

/**
 * Drops running headers and footers: lines in the top or bottom 15% of a page whose text (digits ignored)
 * recurs in the margins of other pages, lone page numbers there, and running titles with a page number set
 * smaller than the running text (`bodySize`) at the very top or bottom. Returns how many lines were dropped.
 */
export function dropRepeatedMargins(pages: PageLines[], bodySize: number): number {
  const pagesWithKey = new Map<string, number>()
  for (const page of pages) {
    for (const text of new Set(marginCandidates(page).map(key))) {
      pagesWithKey.set(text, (pagesWithKey.get(text) ?? 0) + 1)
    }
  }
  const threshold = Math.max(2, Math.ceil(pages.length * 0.1))
  let dropped = 0
  for (const page of pages) {
    const drop = new Set(
      marginCandidates(page).filter(
        (line) =>
          (pagesWithKey.get(key(line)) ?? 0) >= threshold ||
          pageNumber.test(lineText(line).trim()) ||
          isRunningLine(page, line, bodySize),
      ),
    )
    if (drop.size === 0) continue
    dropped += drop.size
    page.lines = page.lines.filter((line) => !drop.has(line))
  }
  return dropped
}
