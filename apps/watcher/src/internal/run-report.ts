import type { Snapshot } from '../display.js'
import type { Outcome, Summary, SummaryRow } from '../watcher.js'
import type { Tracked } from './tracked.js'

/** Errors kept for the live view. */
const RECENT_ERRORS = 20

/** What this run did, for the live view and the `--once` summary. */
export class RunReport {
  private readonly rows = new Map<string, SummaryRow>()
  private readonly recentErrors: Array<{ path: string; message: string }> = []
  private readonly counts = { done: 0, failed: 0 }
  private readonly startedAt = Date.now()

  row(path: string, outcome: Outcome, output?: string, error?: string): void {
    // A rescan sees a document converted earlier in this run as unchanged: it still counts as converted.
    if (outcome === 'unchanged' && this.rows.get(path)?.outcome === 'converted') return
    this.rows.set(path, { path, outcome, ...(output ? { output } : {}), ...(error ? { error } : {}) })
  }

  converted(path: string, output: string): void {
    this.counts.done++
    this.row(path, 'converted', output)
  }

  failed(path: string, errorFile: string, message: string): void {
    this.counts.failed++
    this.recentErrors.push({ path, message })
    if (this.recentErrors.length > RECENT_ERRORS) this.recentErrors.shift()
    this.row(path, 'failed', errorFile, message)
  }

  /** The source is gone: it no longer belongs in the summary. */
  forget(path: string): void {
    this.rows.delete(path)
  }

  snapshot(tracked: ReadonlyMap<string, Tracked>): Snapshot {
    const phases = { settling: 0, queued: 0, converting: 0 }
    const current: Snapshot['current'] = []
    for (const [path, entry] of tracked) {
      if (entry.phase === 'converting') {
        phases.converting++
        current.push({ path, since: entry.startedAt ?? Date.now(), jobId: entry.jobId })
      } else if (entry.phase === 'settling') phases.settling++
      else phases.queued++
    }
    return { ...phases, ...this.counts, current, errors: [...this.recentErrors], startedAt: this.startedAt }
  }

  summary(): Summary {
    const rows = [...this.rows.values()].sort((a, b) => a.path.localeCompare(b.path))
    return {
      rows,
      converted: rows.filter((row) => row.outcome === 'converted').length,
      unchanged: rows.filter((row) => row.outcome === 'unchanged').length,
      failed: rows.filter((row) => row.outcome === 'failed').length,
    }
  }
}
