import type { Snapshot, Summary, SummaryRow } from '../../types.js'
import type { Tracked } from './tracked.js'

/** Errors kept for the live view. */
const recentErrorsKept = 20
/** The rate shown is over this recent window, not since the start: a run that stalls shows it at once. */
const rateWindowMs = 60_000

/** A failed document as it is reported. */
export interface ReportedFailure {
  path: string
  /** Where the error file is, or `undefined` when it could not be written. */
  errorFile?: string
  message: string
  code?: string
}

/** What this run did, for the live view and the `--once` summary. */
export class RunReport {
  readonly #rows = new Map<string, SummaryRow>()
  readonly #recentErrors: Array<{ path: string; message: string }> = []
  readonly #counts = { done: 0, failed: 0 }
  /** When each recent conversion ended, oldest first. */
  readonly #recentDone: number[] = []
  readonly #startedAt = Date.now()

  /** How `row.path` ended in this run (fields left undefined or empty are left out of the summary). */
  row({ path, outcome, output, error, code, failedPages }: SummaryRow): void {
    // A rescan sees a document converted earlier in this run as unchanged: it still counts as converted.
    if (outcome === 'unchanged' && this.#rows.get(path)?.outcome === 'converted') return
    this.#rows.set(path, {
      path,
      outcome,
      ...(output ? { output } : {}),
      ...(error ? { error } : {}),
      ...(code ? { code } : {}),
      ...(failedPages ? { failedPages } : {}),
    })
  }

  /**
   * Converted; `failed`: the pages its output marks instead of their markdown (`onPageError: 'skip'`), shown
   * among the recent errors of the live view too.
   */
  converted(path: string, output: string, failed?: { pages: string; message: string }): void {
    this.#counts.done++
    this.#recentDone.push(Date.now())
    if (failed) this.#recentError(path, failed.message)
    this.row({
      path,
      outcome: 'converted',
      output,
      ...(failed ? { failedPages: failed.pages, error: failed.message } : {}),
    })
  }

  #recentError(path: string, message: string): void {
    this.#recentErrors.push({ path, message })
    if (this.#recentErrors.length > recentErrorsKept) this.#recentErrors.shift()
  }

  /** A failure in this run: counted, and shown among the recent errors of the live view. */
  failed({ path, errorFile, message, code }: ReportedFailure): void {
    this.#counts.failed++
    this.#recentError(path, message)
    this.row({ path, outcome: 'failed', output: errorFile, error: message, code })
  }

  /** Conversions per minute over the last minute (or since the start, when that is shorter). */
  #ratePerMinute(now: number): number {
    while (this.#recentDone.length > 0 && this.#recentDone[0]! <= now - rateWindowMs) this.#recentDone.shift()
    const windowMs = Math.max(1000, Math.min(rateWindowMs, now - this.#startedAt))
    return (this.#recentDone.length * 60_000) / windowMs
  }

  /** The source is gone: it no longer belongs in the summary. */
  forget(path: string): void {
    this.#rows.delete(path)
  }

  snapshot(tracked: ReadonlyMap<string, Tracked>): Snapshot {
    const phases = { settling: 0, queued: 0, converting: 0 }
    const current: Snapshot['current'] = []
    for (const [path, entry] of tracked) {
      if (entry.phase === 'converting') {
        phases.converting++
        current.push({
          path,
          since: entry.startedAt ?? Date.now(),
          jobId: entry.jobId,
          ...(entry.pages ? { pages: { ...entry.pages } } : {}),
        })
      } else if (entry.phase === 'settling') phases.settling++
      else phases.queued++
    }
    return {
      ...phases,
      ...this.#counts,
      current,
      errors: [...this.#recentErrors],
      startedAt: this.#startedAt,
      ratePerMinute: this.#ratePerMinute(Date.now()),
    }
  }

  summary(): Summary {
    const rows = [...this.#rows.values()].sort((a, b) => a.path.localeCompare(b.path))
    return {
      rows,
      converted: rows.filter((row) => row.outcome === 'converted').length,
      unchanged: rows.filter((row) => row.outcome === 'unchanged').length,
      failed: rows.filter((row) => row.outcome === 'failed').length,
      partial: rows.filter((row) => row.outcome !== 'failed' && row.failedPages !== undefined).length,
    }
  }
}
