import { type Line, lineText, listItemStart, weightedMode } from './text-lines.js'

/** Measures of a document's running text, against which headings and paragraph breaks are judged. */
export interface DocumentStyle {
  /** The font size of most characters. */
  bodySize: number
  /** The usual distance between baselines of body text; 0 when unknown. */
  lineGap: number
  /** The font size of the largest heading, when it is big enough to be the title. */
  titleSize?: number
}

/** A unit of the markdown output. */
export type Block =
  | { kind: 'heading'; text: string; fontSize: number }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; ordered: boolean; items: string[] }
  | { kind: 'table'; rows: string[][] }

/** Measures body size and line spacing over all lines of a document. */
export function measureStyle(pages: Line[][]): DocumentStyle {
  const lines = pages.flat()
  const bodySize = weightedMode(lines.map((line) => [line.fontSize, lineText(line).length])) || 10
  const gaps: Array<[number, number]> = []
  for (const page of pages) {
    for (let index = 1; index < page.length; index++) {
      const previous = page[index - 1] as Line
      const line = page[index] as Line
      const gap = line.y - previous.y
      if (line.fontSize === bodySize && previous.fontSize === bodySize && gap > 0 && gap < bodySize * 2.5) {
        gaps.push([Math.round(gap * 2) / 2, 1])
      }
    }
  }
  return { bodySize, lineGap: weightedMode(gaps) }
}

/** Numbered section titles: short, capitalised after the number, no closing punctuation. */
const numberedHeading = /^\d{1,2}(?:\.\d{1,2}){0,3}\.?\s+\p{Lu}[^.,;:]{0,78}$/u

function isHeadingCandidate(lines: Line[], text: string, style: DocumentStyle): boolean {
  const first = lines[0] as Line
  if (!/\p{L}/u.test(text) || text.length > 200 || lines.length > 3) return false
  // A sentence of a dozen words or more is running text, whatever its size.
  if (/[.!?]$/.test(text) && text.split(/\s+/).length >= 12) return false
  if (first.fontSize >= style.bodySize * 1.1) return true
  if (lines.length === 1 && text.length <= 80 && numberedHeading.test(text)) {
    return first.fontSize >= style.bodySize * 0.95
  }
  return (
    lines.every((line) => line.bold) &&
    lines.length <= 2 &&
    text.length <= 120 &&
    first.fontSize >= style.bodySize * 0.95 &&
    !/[.,;:]$/.test(text) &&
    !listItemStart.test(text)
  )
}

/** Chinese and Japanese characters and punctuation: text written without spaces between words. */
const unspaced = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff01-\uff60\u30fc]/u

/**
 * Joins the lines of a paragraph with spaces; a word hyphenated at a line end is joined again, and Chinese or
 * Japanese text, which puts no spaces between words, is joined without one.
 */
export function joinLines(texts: string[]): string {
  let text = ''
  for (const piece of texts) {
    const trimmed = piece.trim()
    if (trimmed.length === 0) continue
    if (text.length === 0) text = trimmed
    // A word broken across lines: join it without the hyphen (a compound split there loses its hyphen too).
    else if (/\p{Ll}-$/u.test(text) && /^\p{Ll}/u.test(trimmed)) text = text.slice(0, -1) + trimmed
    else if (unspaced.test(text.at(-1) ?? '') && unspaced.test(trimmed[0] ?? '')) text += trimmed
    else text += ` ${trimmed}`
  }
  return text
}

function columnSpans(rows: Line[]): Array<[number, number]> {
  const intervals = rows
    .filter((row) => row.segments.length >= 2)
    .flatMap((row) => row.segments.map((segment): [number, number] => [segment.x0, segment.x1]))
    .sort((a, b) => a[0] - b[0])
  const spans: Array<[number, number]> = []
  for (const [x0, x1] of intervals) {
    const last = spans.at(-1)
    if (last && x0 <= last[1] + 1) last[1] = Math.max(last[1], x1)
    else spans.push([x0, x1])
  }
  return spans
}

/**
 * Whether a cell's next line starts after a deliberate break rather than a wrap: its first word would have fitted
 * in the `room` the previous line left before the column's right edge (an estimate at half an em per character).
 */
function deliberateBreak(next: string, room: number, fontSize: number): boolean {
  const firstWord = next.split(/\s+/)[0] ?? ''
  return room > (firstWord.length + 1) * fontSize * 0.5
}

function tableRows(rows: Line[], spans: Array<[number, number]>): string[][] {
  const table: string[][] = []
  /** Right edge of the last line of each cell of the last row. */
  let rights: number[] = []
  let previous: Line | undefined
  for (const row of rows) {
    const cells: string[][] = spans.map(() => [])
    const cellRights = spans.map(() => 0)
    for (const segment of row.segments) {
      const center = (segment.x0 + segment.x1) / 2
      let column = spans.findIndex(([x0, x1]) => center >= x0 && center <= x1)
      if (column < 0) column = spans.findIndex(([x0]) => center < x0)
      if (column < 0) column = spans.length - 1
      ;(cells[column] as string[]).push(segment.text)
      cellRights[column] = Math.max(cellRights[column] ?? 0, segment.x1)
    }
    const texts = cells.map((parts) => parts.join(' '))
    const last = table.at(-1)
    // A row with an empty first cell right under another row continues that row's cells (wrapped text).
    const continues =
      last !== undefined &&
      previous !== undefined &&
      texts[0] === '' &&
      (last[0] ?? '') !== '' &&
      row.y - previous.y < row.fontSize * 1.6
    if (continues && last) {
      texts.forEach((text, index) => {
        if (!text) return
        const before = last[index] ?? ''
        const columnRight = spans[index]?.[1] ?? 0
        last[index] =
          before && deliberateBreak(text, columnRight - (rights[index] ?? columnRight), row.fontSize)
            ? `${before}<br>${text}`
            : joinLines([before, text])
        rights[index] = cellRights[index] ?? 0
      })
    } else {
      table.push(texts)
      rights = cellRights
    }
    previous = row
  }
  return table
}

/** Finds runs of lines laid out as a grid: two or more rows of two or more cells whose columns line up. */
function findTables(lines: Line[]): Array<{ start: number; end: number; rows: string[][] }> {
  const tables: Array<{ start: number; end: number; rows: string[][] }> = []
  let index = 0
  while (index < lines.length) {
    if ((lines[index] as Line).segments.length < 2) {
      index++
      continue
    }
    let end = index + 1
    let multiRows = 1
    while (end < lines.length) {
      const line = lines[end] as Line
      const gap = line.y - (lines[end - 1] as Line).y
      if (gap > line.fontSize * 3) break
      if (line.segments.length >= 2) {
        multiRows++
        end++
        continue
      }
      // A single cell between grid rows belongs to the grid when a grid row follows it closely.
      const next = lines[end + 1]
      if (next && next.segments.length >= 2 && next.y - line.y <= next.fontSize * 3) {
        end++
        continue
      }
      break
    }
    if (multiRows >= 2) {
      // Lines that wrap a cell of the last row past every other cell's text: right under it, in a column other
      // than the first.
      const spans = columnSpans(lines.slice(index, end))
      while (end < lines.length) {
        const line = lines[end] as Line
        const segment = line.segments[0]
        if (line.segments.length !== 1 || !segment) break
        if (line.y - (lines[end - 1] as Line).y > line.fontSize * 1.6) break
        const column = spans.findIndex(([x0, x1]) => segment.x0 >= x0 - 1 && segment.x1 <= x1 + line.fontSize)
        if (column < 1) break
        end++
      }
    }
    const rows = lines.slice(index, end)
    const spans = multiRows >= 2 ? columnSpans(rows) : []
    if (spans.length >= 2 && spans.length <= 15) {
      tables.push({ start: index, end, rows: tableRows(rows, spans) })
      index = end
    } else {
      index++
    }
  }
  return tables
}

/** Where the lines of a region stand: the document's style and the region's left and right edges. */
interface RegionFrame {
  style: DocumentStyle
  left: number
  right: number
}

function startsNewBlock(previous: Line, line: Line, region: RegionFrame): boolean {
  const { style, right: regionRight } = region
  const width = region.right - region.left
  const gap = line.y - previous.y
  const expected = style.lineGap > 0 ? style.lineGap * (line.fontSize / style.bodySize) : line.fontSize * 1.2
  if (gap > expected * 1.3 + 0.5 || gap < 0) return true
  if (Math.abs(line.fontSize - previous.fontSize) > Math.max(previous.fontSize, line.fontSize) * 0.12)
    return true
  if (line.bold !== previous.bold) return true
  const text = lineText(line)
  if (listItemStart.test(text)) return true
  const previousText = lineText(previous)
  const shortLine = previous.x1 < regionRight - Math.max(width * 0.15, previous.fontSize * 3)
  // Chinese and Japanese lines run to the right edge however the words fall: a short one ends its paragraph.
  return (
    shortLine &&
    (/[.!?:。！？：]$/.test(previousText) ||
      numberedHeading.test(previousText) ||
      unspaced.test(previousText.at(-1) ?? ''))
  )
}

function blocksOfLines(lines: Line[], style: DocumentStyle, blocks: Block[]): void {
  if (lines.length === 0) return
  const regionRight = Math.max(...lines.map((line) => line.x1))
  const regionLeft = Math.min(...lines.map((line) => line.x0))
  const groups: Line[][] = []
  for (const line of lines) {
    const current = groups.at(-1)
    const previous = current?.at(-1)
    if (
      !current ||
      !previous ||
      startsNewBlock(previous, line, { style, left: regionLeft, right: regionRight })
    ) {
      groups.push([line])
    } else {
      current.push(line)
    }
  }
  for (const group of groups) {
    const text = joinLines(group.map(lineText))
    if (text.length === 0) continue
    const marker = listItemStart.exec(text)
    if (marker) {
      const number = marker[1]?.match(/\d+/)?.[0]
      const item = `${number ? `${number}.` : '-'} ${text.slice(marker[0].length).trim()}`
      const ordered = number !== undefined
      const last = blocks.at(-1)
      if (last?.kind === 'list' && last.ordered === ordered) last.items.push(item)
      else blocks.push({ kind: 'list', ordered, items: [item] })
    } else if (isHeadingCandidate(group, text, style)) {
      blocks.push({ kind: 'heading', text, fontSize: (group[0] as Line).fontSize })
    } else {
      blocks.push({ kind: 'paragraph', text })
    }
  }
}

/** The lines of a page's reading regions that lie in tables: the running text is measured without them. */
export function linesInTables(regions: Line[][]): Set<Line> {
  const inTables = new Set<Line>()
  for (const region of regions) {
    for (const table of findTables(region)) {
      for (const line of region.slice(table.start, table.end)) inTables.add(line)
    }
  }
  return inTables
}

/** Turns reading regions of a page into blocks: grids become tables, the rest paragraphs, headings and lists. */
export function regionsToBlocks(regions: Line[][], style: DocumentStyle): Block[] {
  const blocks: Block[] = []
  for (const region of regions) {
    let cursor = 0
    for (const table of findTables(region)) {
      blocksOfLines(region.slice(cursor, table.start), style, blocks)
      blocks.push({ kind: 'table', rows: table.rows })
      cursor = table.end
    }
    blocksOfLines(region.slice(cursor), style, blocks)
  }
  return blocks
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').trim()
}

/** Writes blocks as markdown; the largest heading is `#` when it stands out as a title, the others `##`. */
export function blocksToMarkdown(blocks: Block[], style: DocumentStyle): string {
  const out: string[] = []
  for (const block of blocks) {
    switch (block.kind) {
      case 'heading': {
        const title = style.titleSize !== undefined && block.fontSize >= style.titleSize - 0.25
        out.push(`${title ? '#' : '##'} ${block.text}`)
        break
      }
      case 'paragraph':
        out.push(block.text)
        break
      case 'list':
        out.push(block.items.join('\n'))
        break
      case 'table': {
        const width = Math.max(...block.rows.map((row) => row.length))
        const rows = block.rows.map(
          (row) => `| ${Array.from({ length: width }, (_, i) => escapeCell(row[i] ?? '')).join(' | ')} |`,
        )
        rows.splice(1, 0, `| ${Array.from({ length: width }, () => '-').join(' | ')} |`)
        out.push(rows.join('\n'))
        break
      }
    }
  }
  return out.join('\n\n')
}

/** Sets `titleSize` when one heading size clearly stands above the others. */
export function findTitleSize(blocks: Block[], style: DocumentStyle): void {
  const sizes = blocks.filter((block) => block.kind === 'heading').map((block) => block.fontSize)
  if (sizes.length === 0) return
  const largest = Math.max(...sizes)
  if (largest >= style.bodySize * 1.5 && sizes.filter((size) => size >= largest - 0.25).length <= 2) {
    style.titleSize = largest
  }
}
