import type { Line, Segment } from './text-lines.js'

function lineOf(segments: Segment[], template: Line): Line {
  const characters = segments.reduce((total, segment) => total + segment.text.length, 0)
  return {
    y: template.y,
    x0: Math.min(...segments.map((segment) => segment.x0)),
    x1: Math.max(...segments.map((segment) => segment.x1)),
    fontSize: template.fontSize,
    bold: segments.every((segment) => segment.bold) && characters > 0,
    segments,
  }
}

/**
 * Finds the gutter of a two-column page: an x between a quarter and three quarters of the width that almost no
 * long segment (a fifth of the page or wider, i.e. running text) crosses, with running text on both sides.
 */
export function findGutter(lines: Line[], pageWidth: number): number | undefined {
  const long = lines
    .flatMap((line) => line.segments)
    .filter((segment) => segment.x1 - segment.x0 >= pageWidth * 0.2)
  if (long.length < 6) return undefined
  let best: { x: number; crossing: number; balance: number } | undefined
  for (let x = Math.round(pageWidth * 0.25); x <= pageWidth * 0.75; x += 1) {
    let crossing = 0
    let left = 0
    let right = 0
    for (const segment of long) {
      if (segment.x1 <= x) left++
      else if (segment.x0 >= x) right++
      else crossing++
    }
    const balance = Math.min(left, right)
    if (!best || crossing < best.crossing || (crossing === best.crossing && balance > best.balance)) {
      best = { x, crossing, balance }
    }
  }
  // Lines crossing the gutter (titles, abstracts) are allowed while both columns clearly hold more.
  if (!best || best.balance < 3 || best.crossing > Math.max(long.length * 0.1, best.balance * 0.75))
    return undefined
  return best.x
}

/**
 * Orders a page's lines for reading. On a two-column page, lines are cut at the gutter; a line crossing the
 * gutter (a title, a wide figure caption) ends the band above it, and each band is read left column first.
 * Returns regions: runs of lines to be read top to bottom, between which a paragraph always ends.
 */
export function readingRegions(lines: Line[], pageWidth: number): { regions: Line[][]; columns: 1 | 2 } {
  const gutter = findGutter(lines, pageWidth)
  if (gutter === undefined) return { regions: lines.length > 0 ? [lines] : [], columns: 1 }
  const regions: Line[][] = []
  let left: Line[] = []
  let right: Line[] = []
  let spanning: Line[] = []
  const flushColumns = (): void => {
    if (left.length > 0) regions.push(left)
    if (right.length > 0) regions.push(right)
    left = []
    right = []
  }
  const flushSpanning = (): void => {
    if (spanning.length > 0) regions.push(spanning)
    spanning = []
  }
  for (const line of lines) {
    const crosses = line.segments.some((segment) => segment.x0 < gutter && segment.x1 > gutter)
    if (crosses) {
      flushColumns()
      spanning.push(line)
      continue
    }
    flushSpanning()
    const leftSegments = line.segments.filter((segment) => segment.x1 <= gutter)
    const rightSegments = line.segments.filter((segment) => segment.x0 >= gutter)
    if (leftSegments.length > 0) left.push(lineOf(leftSegments, line))
    if (rightSegments.length > 0) right.push(lineOf(rightSegments, line))
  }
  flushColumns()
  flushSpanning()
  return { regions, columns: 2 }
}
