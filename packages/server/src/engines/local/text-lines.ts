import type { TextRun } from './text-runs.js'

/** A horizontal stretch of a line with no wide gap inside: a column's part of a line, or a table cell. */
export interface Segment {
  text: string
  x0: number
  x1: number
  y: number
  fontSize: number
  bold: boolean
}

/** The segments sharing one baseline, left to right. */
export interface Line {
  y: number
  x0: number
  x1: number
  fontSize: number
  /** Every character of the line is in a bold font. */
  bold: boolean
  segments: Segment[]
}

const listMarker =
  /^(?:[•◦▪▫●○■□➢➤►▶✓✔❖\u2013\u2014\-*·\uf0a7\uf0b7\uf076\uf0d8\uf0fc\uf06e]|\(?\d{1,3}[.)]|\(?[a-z][.)]|[ivx]{1,4}[.)])$/i

/** Whether a line's text starts with a bullet or a number that makes it a list item. */
export const listItemStart: RegExp =
  /^(?:[•◦▪▫●○■□➢➤►▶✓✔❖\u2013\u2014*·\uf0a7\uf0b7\uf076\uf0d8\uf0fc\uf06e]|-(?=\s))\s*|^(\(?\d{1,3}[.)]|\(?[a-z][.)])\s+/

/** The value with the largest total weight. */
export function weightedMode(values: Array<[number, number]>): number {
  const totals = new Map<number, number>()
  for (const [value, weight] of values) totals.set(value, (totals.get(value) ?? 0) + weight)
  let best = 0
  let bestWeight = -1
  for (const [value, weight] of totals) {
    if (weight > bestWeight) {
      best = value
      bestWeight = weight
    }
  }
  return best
}

function joinRuns(runs: TextRun[], direction: { rtl: boolean }): string {
  const { rtl } = direction
  let text = ''
  let previous: TextRun | undefined
  for (const run of runs) {
    if (previous) {
      const gap = rtl ? previous.x - (run.x + run.width) : run.x - (previous.x + previous.width)
      const spaced = /\s$/.test(text) || /^\s/.test(run.text) || (run.spaceBefore && !rtl)
      // Where the writing direction changes (Latin inside Arabic), PDFs often butt the runs with no gap.
      // A raised, lowered or much smaller run (a footnote mark) is a word of its own.
      const shifted =
        Math.abs(run.y - previous.y) > 0.2 * Math.min(run.fontSize, previous.fontSize) ||
        Math.min(run.fontSize, previous.fontSize) < 0.75 * Math.max(run.fontSize, previous.fontSize)
      const threshold =
        run.rtl !== previous.rtl || shifted ? -1 : 0.1 * Math.min(run.fontSize, previous.fontSize)
      if (run.spaceBefore && !rtl && !/\s$/.test(text)) text += ' '
      else if (!spaced && gap > threshold) text += ' '
    }
    text += run.text
    previous = run
  }
  return text.replace(/\s+/g, ' ').trim()
}

function makeSegment(runs: TextRun[]): Segment {
  const characters = runs.reduce((total, run) => total + run.text.length, 0)
  const rtlCharacters = runs.filter((run) => run.rtl).reduce((total, run) => total + run.text.length, 0)
  const rtl = rtlCharacters * 2 > characters
  const ordered = rtl ? [...runs].sort((a, b) => b.x - a.x) : runs
  const boldCharacters = runs
    .filter((run) => run.bold)
    .reduce((total, run) => total + run.text.trim().length, 0)
  const visible = runs.reduce((total, run) => total + run.text.trim().length, 0)
  const dominant = runs.reduce((best, run) => (run.text.length > best.text.length ? run : best))
  return {
    text: joinRuns(ordered, { rtl }),
    x0: Math.min(...runs.map((run) => run.x)),
    x1: Math.max(...runs.map((run) => run.x + run.width)),
    y: dominant.y,
    fontSize: weightedMode(runs.map((run) => [Math.round(run.fontSize * 2) / 2, run.text.length])),
    bold: visible > 0 && boldCharacters === visible,
  }
}

/**
 * Groups a page's runs into lines by baseline, and splits each line at gaps wider than about one em, so that
 * columns and table cells become separate segments. A lone bullet or number keeps its gap: it starts a list item.
 */
export function buildLines(runs: TextRun[]): Line[] {
  // Text drawn twice at (nearly) the same place, a fake bold or a shadow, is read once.
  const placed = new Map<string, TextRun[]>()
  const unique = runs.filter((run) => {
    const twins = placed.get(run.text) ?? []
    if (twins.some((twin) => Math.abs(twin.x - run.x) < 1.5 && Math.abs(twin.y - run.y) < 1.5)) return false
    twins.push(run)
    placed.set(run.text, twins)
    return true
  })
  const sorted = unique.sort((a, b) => a.y - b.y || a.x - b.x)
  const groups: TextRun[][] = []
  let current: TextRun[] = []
  let currentY = Number.NaN
  let currentSize = 0
  for (const run of sorted) {
    // Two runs one above the other are on different lines however close their baselines: this keeps lines
    // of neighbouring columns with offset baselines from chaining into one.
    const stacked = current.some((other) => {
      const overlap = Math.min(other.x + other.width, run.x + run.width) - Math.max(other.x, run.x)
      return overlap > 0.5 * Math.min(other.width, run.width)
    })
    if (
      current.length > 0 &&
      !stacked &&
      Math.abs(run.y - currentY) <= 0.5 * Math.max(run.fontSize, currentSize)
    ) {
      current.push(run)
      if (run.fontSize > currentSize) {
        currentSize = run.fontSize
        currentY = run.y
      }
      continue
    }
    if (current.length > 0) groups.push(current)
    current = [run]
    currentY = run.y
    currentSize = run.fontSize
  }
  if (current.length > 0) groups.push(current)

  const lines: Line[] = []
  for (const group of groups) {
    group.sort((a, b) => a.x - b.x)
    const segments: Segment[] = []
    let pieces: TextRun[] = []
    for (const run of group) {
      const last = pieces.at(-1)
      if (last) {
        const gap = run.x - (last.x + last.width)
        const size = Math.max(run.fontSize, last.fontSize)
        const pending = joinRuns(pieces, { rtl: false })
        if (gap > 0.9 * size && !listMarker.test(pending)) {
          segments.push(makeSegment(pieces))
          pieces = []
        }
      }
      pieces.push(run)
    }
    if (pieces.length > 0) segments.push(makeSegment(pieces))
    const kept = segments.filter((segment) => segment.text.length > 0)
    if (kept.length === 0) continue
    const characters = kept.reduce((total, segment) => total + segment.text.length, 0)
    lines.push({
      y: kept.reduce((best, segment) => (segment.text.length > best.text.length ? segment : best)).y,
      x0: Math.min(...kept.map((segment) => segment.x0)),
      x1: Math.max(...kept.map((segment) => segment.x1)),
      fontSize: weightedMode(kept.map((segment) => [segment.fontSize, segment.text.length])),
      bold: kept.every((segment) => segment.bold) && characters > 0,
      segments: kept,
    })
  }
  return lines
}

/** The text of a whole line, segments separated by a space. */
export function lineText(line: Line): string {
  return line.segments.map((segment) => segment.text).join(' ')
}
