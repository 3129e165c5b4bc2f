/**
 * A run of the `numarkdown-watch` command: read the settings, start the watcher, stop it cleanly on SIGINT
 * or SIGTERM, print the `--once` summary, and end with an exit code a script can rely on. Written for a
 * person at a terminal: options are named as flags, and a crash is never silent.
 */
import { isAbsolute, relative } from 'node:path'
import { createDisplay } from '../../display.js'
import { WatcherError } from '../../errors.js'
import { type ResolvedOptions, resolveNamedOptions, type WatcherOptions } from '../../options.js'
import type { Display, Watcher } from '../../types.js'
import { createWatcher, formatSummary } from '../../watcher.js'
import { helpText, parseCli } from './cli-arguments.js'

/** Exit codes: a script can tell failed documents from a usage error from a bug. */
export const exitCodes = {
  ok: 0,
  /** `--once`: some documents failed, or have pages that failed (`--on-page-error skip`). */
  documentsFailed: 1,
  /** Bad options, a folder that cannot be used, or an API key the service refused. */
  usage: 2,
  /** A bug: the error is printed with its stack. */
  internal: 70,
  /** A second Ctrl-C: out at once. */
  interrupted: 130,
} as const

/**
 * The same Ctrl-C often arrives twice at once: from the terminal, and forwarded by a parent such as pnpm or
 * npm. Only a signal this long after the first counts as a second one.
 */
const sameSignalMs = 1000

/** A flag spelled as on the command line: `stabilityMs` → `--stability-ms`. */
function flag(key: keyof WatcherOptions): string {
  return key === 'inbox' ? '<inbox>' : `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`
}

/** A path as the person typed it: relative to the current folder when inside it. */
function shown(path: string): string {
  const back = relative(process.cwd(), path)
  const readable = back === '' ? '.' : back.startsWith('..') || isAbsolute(back) ? path : back
  return /\s/.test(readable) ? JSON.stringify(readable) : readable
}

function crash(error: unknown): never {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error)
  process.stderr.write(`numarkdown-watch: internal error (please report it):\n${text}\n`)
  process.exit(exitCodes.internal)
}

/** Run the command with `argv` (without `node` and the script) and set the exit code. */
export async function runCli(argv: string[]): Promise<void> {
  process.on('uncaughtException', crash)
  process.on('unhandledRejection', crash)
  const code = await main(argv).catch(crash)
  process.exitCode = code
  // Everything is closed by now; a handle left open by mistake must not keep the process alive.
  setTimeout(() => process.exit(code), 5000).unref()
}

async function main(argv: string[]): Promise<number> {
  let request: ReturnType<typeof parseCli>
  let options: ResolvedOptions
  try {
    request = parseCli(argv)
    if (request.kind === 'help') {
      process.stdout.write(helpText)
      return exitCodes.ok
    }
    options = resolveNamedOptions(request.options, process.stdout.isTTY === true, flag)
  } catch (error) {
    process.stderr.write(`numarkdown-watch: ${(error as Error).message}\n(see numarkdown-watch --help)\n`)
    return exitCodes.usage
  }
  const display = createDisplay({ format: options.log, secrets: [options.apiKey] })
  let watcher: Watcher
  try {
    watcher = await createWatcher(request.options, { display })
  } catch (error) {
    display.log('error', (error as Error).message)
    display.close()
    return exitCodes.usage
  }
  handleSignals(watcher, display)
  if (!options.once && options.log === 'pretty') {
    display.print(
      `Watching ${shown(options.inbox)}: drop or copy documents into it (cp report.pdf ${shown(options.inbox)}/), ` +
        `their markdown appears in ${shown(options.out)}. Press Ctrl-C to stop.`,
    )
  }
  let summary: Awaited<Watcher['finished']>
  try {
    summary = await watcher.finished
  } catch (error) {
    display.close()
    // Already told in one line by the watcher.
    if (error instanceof WatcherError) return exitCodes.usage
    throw error
  }
  display.close()
  if (!options.once) return exitCodes.ok
  if (options.log === 'json') {
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: 'info', message: 'summary', ...summary })}\n`,
    )
  } else process.stdout.write(formatSummary(summary, options.out))
  // A document whose output marks failed pages is not all converted either: a script must not take it as whole.
  return summary.failed === 0 && summary.partial === 0 ? exitCodes.ok : exitCodes.documentsFailed
}

/**
 * SIGINT and SIGTERM stop the watcher cleanly (exit code 0: stopping is what was asked for); a second signal
 * exits at once, the state being safe on disk already.
 */
function handleSignals(watcher: Watcher, display: Display): void {
  let firstAt: number | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now()
    if (firstAt === undefined) {
      firstAt = now
      void watcher.stop(signal)
      return
    }
    if (now - firstAt < sameSignalMs) return
    display.log(
      'warn',
      'second signal: exiting now; the state is saved, remote jobs resume on the next start',
    )
    display.close()
    process.exit(exitCodes.interrupted)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}
