import { afterEach, describe, expect, it, vi } from 'vitest'
import { RunReport } from './run-report.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('RunReport', () => {
  it('rates conversions over the last minute, so a stall shows at once', () => {
    vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') })
    const report = new RunReport()
    for (let index = 0; index < 30; index++) {
      vi.advanceTimersByTime(2000)
      report.converted(`doc-${index}.pdf`, `/out/doc-${index}.pdf.md`)
    }
    expect(report.snapshot(new Map()).ratePerMinute).toBeCloseTo(30, 0)
    vi.advanceTimersByTime(30_000)
    expect(report.snapshot(new Map()).ratePerMinute).toBeCloseTo(15, 0)
    vi.advanceTimersByTime(5 * 60_000)
    const stalled = report.snapshot(new Map())
    expect(stalled.ratePerMinute).toBe(0)
    expect(stalled.done).toBe(30)
  })

  it('lists every document once in the summary, failures with their code', () => {
    const report = new RunReport()
    report.converted('a.pdf', '/out/a.pdf.md')
    report.row({ path: 'a.pdf', outcome: 'unchanged', output: '/out/a.pdf.md' })
    report.failed({
      path: 'b.pdf',
      errorFile: '/out/.failed/b.pdf.error.json',
      message: 'the file is empty (0 bytes)',
      code: 'EMPTY',
    })
    report.failed({
      path: 'c.pdf',
      errorFile: undefined,
      message: 'cannot write to the output folder: EROFS',
      code: 'EROFS',
    })
    expect(report.summary()).toEqual({
      rows: [
        { path: 'a.pdf', outcome: 'converted', output: '/out/a.pdf.md' },
        {
          path: 'b.pdf',
          outcome: 'failed',
          output: '/out/.failed/b.pdf.error.json',
          error: 'the file is empty (0 bytes)',
          code: 'EMPTY',
        },
        {
          path: 'c.pdf',
          outcome: 'failed',
          error: 'cannot write to the output folder: EROFS',
          code: 'EROFS',
        },
      ],
      converted: 1,
      unchanged: 0,
      failed: 2,
      partial: 0,
    })
  })
})
