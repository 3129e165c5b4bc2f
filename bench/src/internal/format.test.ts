import { describe, expect, it } from 'vitest'
import type { BenchmarkReport } from '../report.ts'
import { markdownTable, ratioOf, textTable } from './format.ts'

const report: BenchmarkReport = {
  name: 'latency',
  rows: [
    {
      metric: 'p50',
      ours: 3,
      baseline: 812,
      baselineName: '(a) polling',
      unit: 'ms',
      target: '≤ 5 ms',
      pass: true,
    },
    { metric: 'jobs/s', ours: 100, baseline: 50, unit: 'jobs/s', target: '≥ 3× baseline', pass: false },
    { metric: 'idle | CPU', ours: 0.5, unit: '%' },
  ],
}

describe('ratioOf', () => {
  it('divides ours by the baseline, when there is one', () => {
    expect(ratioOf(report.rows[1]!)).toBe(2)
    expect(ratioOf(report.rows[2]!)).toBeUndefined()
    expect(ratioOf({ metric: 'x', ours: 0, baseline: 0, unit: '' })).toBe(1)
    expect(ratioOf({ metric: 'x', ours: 1, baseline: 0, unit: '' })).toBeUndefined()
  })
})

describe('textTable', () => {
  it('aligns the columns and shows the baseline, ratio and verdict', () => {
    const lines = textTable(report).split('\n')
    expect(lines[0]).toMatch(/^metric\s+\| ours\s+\| baseline\s+\| ratio\s+\| target\s+\| pass$/)
    expect(lines[2]).toContain('812 ms ((a) polling)')
    expect(lines[2]).toContain('yes')
    expect(lines[3]).toContain('2×')
    expect(lines[3]).toContain('NO')
    expect(new Set(lines.map((line) => [...line].length)).size).toBe(1)
  })
})

describe('markdownTable', () => {
  it('names the benchmark on each row and escapes pipes', () => {
    const table = markdownTable([report])
    expect(table.split('\n')).toHaveLength(2 + report.rows.length)
    expect(table).toContain('| latency | p50 | 3 ms |')
    expect(table).toContain('idle \\| CPU')
  })
})
