/**
 * The public types of numarkdown-watch: what a run did (`Outcome`, `SummaryRow`, `Summary`), a running
 * `Watcher`, and where it reports (`Display`, `Level`, `Snapshot`). Types only, importing nothing: every module
 * of the watcher may use them without an import running back up to the modules that implement them.
 */

/** How one document ended in this run. */
export type Outcome = 'converted' | 'unchanged' | 'failed'

/** One row of the `--once` summary. */
export interface SummaryRow {
  path: string
  outcome: Outcome
  /** The markdown written, or the error file (absent when it could not be written). */
  output?: string
  error?: string
  /** What went wrong, for a failed document: `EMPTY`, `INVALID`, `UNSUPPORTED`, `INCOMPLETE`, `EACCES`... */
  code?: string
  /**
   * A document converted with `onPageError: 'skip'` whose output marks pages that failed: those pages, as a
   * page spec (`3,7-8`); `error` then says why they failed.
   */
  failedPages?: string
}

/** What a run did. */
export interface Summary {
  rows: SummaryRow[]
  converted: number
  unchanged: number
  failed: number
  /** Of the documents converted or unchanged, those whose output marks pages that failed (`failedPages`). */
  partial: number
}

/** A running watcher. */
export interface Watcher {
  /**
   * Resolves once the watcher has stopped (`--once`: when every document found reached its final state).
   * Rejects with a {@link WatcherError} when the run could not go on (`API_KEY_REFUSED`: the service refused
   * the API key; documents not converted yet are picked up by a run with the right key).
   */
  readonly finished: Promise<Summary>
  /** Stop taking files, let in-flight conversions finish within the grace period, save the state. */
  stop(reason?: string): Promise<Summary>
  /** Counts and current files, as the live view shows them. */
  snapshot(): Snapshot
}

export type Level = 'debug' | 'info' | 'warn' | 'error'

/** What the live view shows. */
export interface Snapshot {
  /** Seen, waiting for size and mtime to hold still. */
  settling: number
  queued: number
  converting: number
  done: number
  failed: number
  /**
   * Files being converted now, with the moment each started; `pages` for a document converted page by page
   * (`done` of `total` pages).
   */
  current: Array<{ path: string; since: number; jobId?: string; pages?: { done: number; total: number } }>
  /** Most recent failures (documents, and pages skipped with `onPageError: 'skip'`), newest last. */
  errors: Array<{ path: string; message: string }>
  startedAt: number
  /** Documents converted per minute, over the last minute: what the run does now, not on average. */
  ratePerMinute: number
}

/** Where the watcher reports: JSON lines, or pretty lines under a live progress view on a terminal. */
export interface Display {
  log(level: Level, message: string, fields?: Record<string, unknown>): void
  /** Give the live view a way to read the current state; it redraws on its own. */
  watch(snapshot: () => Snapshot): void
  /** Keep one more secret (a token made at run time) out of everything written. */
  addSecret(secret: string): void
  /** Print text as is (a hint, the summary table), above the live view while there is one. */
  print(text: string): void
  close(): void
}
