import type { BenchmarkReport, BenchmarkRow } from '../report.ts'
import { round } from './stats.ts'

/** `ours / baseline`, or undefined when there is no baseline to divide by. */
export function ratioOf(row: BenchmarkRow): number | undefined {
  if (row.baseline === undefined) return undefined
  if (row.baseline === 0) return row.ours === 0 ? 1 : undefined
  return row.ours / row.baseline
}

function formatValue(value: number, unit: string): string {
  const text = String(round(value))
  return unit === '' ? text : `${text} ${unit}`
}

function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined) return '–'
  if (ratio >= 100 || ratio < 0.01) return `${ratio.toPrecision(2)}×`
  return `${round(ratio)}×`
}

const header = ['metric', 'ours', 'baseline', 'ratio', 'target', 'pass']

/** The cells of one row, in the order of {@link header}. */
export function rowCells(row: BenchmarkRow): string[] {
  const baseline =
    row.baseline === undefined
      ? '–'
      : `${formatValue(row.baseline, row.unit)}${row.baselineName ? ` (${row.baselineName})` : ''}`
  const pass = row.pass === undefined ? '–' : row.pass ? 'yes' : 'NO'
  return [
    row.metric,
    formatValue(row.ours, row.unit),
    baseline,
    formatRatio(ratioOf(row)),
    row.target ?? '–',
    pass,
  ]
}

/** A plain-text table of a report, for the terminal. */
export function textTable(report: BenchmarkReport): string {
  const rows = [header, ...report.rows.map(rowCells)]
  const widths = header.map((_, column) => Math.max(...rows.map((cells) => [...cells[column]!].length)))
  const line = (cells: string[]) =>
    cells.map((cell, column) => cell + ' '.repeat(widths[column]! - [...cell].length)).join(' | ')
  const separator = widths.map((width) => '-'.repeat(width)).join('-+-')
  return [line(rows[0]!), separator, ...rows.slice(1).map(line)].join('\n')
}

/** A GitHub-flavoured markdown table of several reports, one section per benchmark. */
export function markdownTable(reports: readonly BenchmarkReport[]): string {
  const lines = [
    `| benchmark | ${header.join(' | ')} |`,
    `| ${Array(header.length + 1)
      .fill('---')
      .join(' | ')} |`,
  ]
  for (const report of reports) {
    for (const row of report.rows) {
      const cells = rowCells(row).map((cell) => cell.replaceAll('|', '\\|'))
      lines.push(`| ${report.name} | ${cells.join(' | ')} |`)
    }
  }
  return lines.join('\n')
}
