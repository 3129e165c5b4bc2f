/**
 * The folder watcher: chokidar and a periodic rescan find documents, the app's own stability and
 * completeness checks decide when a document is whole, a journal remembers what was converted, and
 * outputs appear atomically under `out`.
 */
import { relative } from 'node:path'
import { createDisplay, type Display, type Snapshot } from './display.js'
import { WatchEngine } from './internal/watch-engine.js'
import { resolveOptions, type WatcherOptions } from './options.js'

/** How one document ended in this run. */
export type Outcome = 'converted' | 'unchanged' | 'failed'

/** One row of the `--once` summary. */
export interface SummaryRow {
  path: string
  outcome: Outcome
  /** The markdown written, or the error file. */
  output?: string
  error?: string
}

/** What a run did. */
export interface Summary {
  rows: SummaryRow[]
  converted: number
  unchanged: number
  failed: number
}

/** A running watcher. */
export interface Watcher {
  /** Resolves once the watcher has stopped (`--once`: when everything was processed). */
  readonly finished: Promise<Summary>
  /** Stop taking files, let in-flight conversions finish within the grace period, save the state. */
  stop(reason?: string): Promise<Summary>
  /** Counts and current files, as the live view shows them. */
  snapshot(): Snapshot
}

/** Options only a program embedding the watcher needs. */
export interface WatcherHooks {
  /** Where logs and the live view go. @default a display on stdout in the `log` format */
  display?: Display
}

/**
 * Start watching. Resolves once the backend is up and the start-up scan has begun; `finished` resolves
 * when the watcher stops.
 *
 * @example
 * ```ts
 * const watcher = await createWatcher({ inbox: './inbox', out: './markdown' })
 * process.on('SIGINT', () => watcher.stop())
 * await watcher.finished
 * ```
 */
export async function createWatcher(input: WatcherOptions, hooks: WatcherHooks = {}): Promise<Watcher> {
  const options = resolveOptions(input, process.stdout.isTTY === true)
  const display = hooks.display ?? createDisplay({ format: options.log, secrets: [options.apiKey] })
  const engine = new WatchEngine(options, display)
  await engine.start()
  return engine
}

/** The `--once` summary table. */
export function formatSummary(summary: Summary, out: string): string {
  const lines = summary.rows.map((row) => {
    const where = row.outcome === 'failed' ? (row.error ?? '') : row.output ? relative(out, row.output) : ''
    return [row.outcome, JSON.stringify(row.path).slice(1, -1), where]
  })
  const header = ['outcome', 'document', 'output or error']
  const widths = header.map((title, column) =>
    Math.min(60, Math.max(title.length, ...lines.map((line) => line[column]!.length))),
  )
  const format = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd()
  return [
    format(header),
    format(widths.map((width) => '-'.repeat(width))),
    ...lines.map(format),
    '',
    `${summary.converted} converted, ${summary.unchanged} unchanged, ${summary.failed} failed`,
    '',
  ].join('\n')
}
