/**
 * The folder watcher: chokidar and a periodic rescan find documents, the app's own stability and
 * completeness checks decide when a document is whole, a journal remembers what was converted, and
 * outputs appear atomically under `out`.
 */
import { relative } from 'node:path'
import { checkKnownOptions } from '@numarkdown/core'
import { createDisplay } from './display.js'
import { WatchEngine } from './internal/run/watch-engine.js'
import { resolveOptions, type WatcherOptions } from './options.js'
import type { Display, Summary, Watcher } from './types.js'

/** Options only a program embedding the watcher needs. */
export interface WatcherHooks {
  /** Where logs and the live view go. @default a display on stdout in the `log` format */
  display?: Display
}

const hookKeys: readonly (keyof WatcherHooks)[] = ['display']

/**
 * Start watching. Resolves once the backend is up and the start-up scan has begun; `finished` resolves
 * when the watcher stops. Options are validated first: an unknown or invalid one throws a `ValidationError`
 * naming it (`unknown option baseURL: did you mean baseUrl?`).
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
  checkKnownOptions(hooks, hookKeys, 'createWatcher hooks')
  const display = hooks.display ?? createDisplay({ format: options.log, secrets: [options.apiKey] })
  const engine = new WatchEngine(options, display)
  await engine.start()
  return engine
}

/** The `--once` summary table. */
export function formatSummary(summary: Summary, out: string): string {
  const lines = summary.rows.map((row) => {
    const failure = `${row.code ? `${row.code}: ` : ''}${row.error ?? ''}`
    const output = row.output ? relative(out, row.output) : ''
    // A document whose output marks failed pages: its output, then which pages failed and why.
    const skipped = row.failedPages !== undefined && row.error ? `${output} (${row.error})` : output
    const where = row.outcome === 'failed' ? failure : skipped
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
    `${summary.converted} converted, ${summary.unchanged} unchanged, ${summary.failed} failed${summary.partial > 0 ? `; ${summary.partial} with failed pages` : ''}`,
    '',
  ].join('\n')
}
