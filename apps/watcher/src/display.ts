/**
 * Where the watcher reports: JSON lines for machines, readable lines for people, and on a terminal a live
 * view under the log lines. The live view is drawn by log-update, which knows how rows wrap on the terminal:
 * a row wider than the terminal, or a terminal narrowed meanwhile, would otherwise leave stale lines behind.
 */
import { checkKnownOptions } from '@numarkdown/core'
import cliTruncate from 'cli-truncate'
import { createLogUpdate } from 'log-update'
import type { LogFormat } from './options.js'
import type { Display, Level, Snapshot } from './types.js'

export interface DisplayOptions {
  format: LogFormat
  output?: NodeJS.WriteStream | NodeJS.WritableStream
  /** Strings that must never be written (the API token), replaced by `[redacted]` wherever they appear. */
  secrets?: Array<string | undefined>
  /**
   * Colours in pretty output. @default on a terminal, unless the `NO_COLOR` environment variable is set
   * (https://no-color.org) or `TERM` is `dumb`
   */
  color?: boolean
}

const displayOptionKeys: readonly (keyof DisplayOptions)[] = ['format', 'output', 'secrets', 'color']

const levelColours: Record<Level, string> = { debug: '2', info: '36', warn: '33', error: '31' }
/** How often the live view is drawn again. */
const redrawMs = 500
/** Files in progress and recent errors shown at most. */
const maxCurrent = 6
const maxErrors = 3

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000)
  return seconds < 60
    ? `${seconds}s`
    : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
}

/** Anything but plain text in a value: whitespace, quotes, `=`, control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must be escaped
const notPlain = /[\s"=\u0000-\u001f\u007f-\u009f]/

/** A value as `key=value`: quoted (and its control characters escaped) when it holds anything but plain text. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return notPlain.test(value) || value === '' ? JSON.stringify(value) : value
  return JSON.stringify(value)
}

/** A control character in a file name would move the cursor: shown escaped, as JSON would. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (character) => JSON.stringify(character).slice(1, -1))
}

export function createDisplay(options: DisplayOptions): Display {
  checkKnownOptions(options, displayOptionKeys, 'createDisplay options')
  const output = options.output ?? process.stdout
  const terminal = output as NodeJS.WriteStream
  const secrets = (options.secrets ?? []).filter((secret): secret is string => !!secret && secret.length >= 4)
  const redact = (text: string) => {
    let clean = text
    for (const secret of secrets) clean = clean.split(secret).join('[redacted]')
    return clean
  }
  const dumb = process.env.TERM === 'dumb'
  const live = options.format === 'pretty' && terminal.isTTY === true && !dumb
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== ''
  const colour = options.color ?? (live && !noColor)
  const paint = (code: string, text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text)
  // showCursor: hiding it would install exit handlers of its own beside the watcher's signal handling.
  const frame = live ? createLogUpdate(terminal, { showCursor: true }) : undefined
  let snapshot: (() => Snapshot) | undefined
  let timer: NodeJS.Timeout | undefined
  let closed = false

  const render = (): string => {
    const state = snapshot!()
    const width = Math.max(20, (terminal.columns || 80) - 1)
    const now = Date.now()
    const fit = (line: string, position: 'end' | 'middle' = 'end') =>
      cliTruncate(line, width, { position, preferTruncationOnSpace: false })
    const lines = [
      // Most telling first: on a narrow terminal the end of the row is what is cut.
      fit(
        `${paint('1', 'numarkdown-watch')} ${state.ratePerMinute.toFixed(1)}/min  ${paint('32', `done ${state.done}`)}  ${paint('31', `failed ${state.failed}`)}  converting ${state.converting}  queued ${state.queued}  settling ${state.settling}`,
      ),
      ...state.current.slice(0, maxCurrent).map((item) => {
        const pages = item.pages ? `  page ${item.pages.done}/${item.pages.total}` : ''
        return fit(`  ⟳ ${printable(item.path)}${pages}  ${formatDuration(now - item.since)}`, 'middle')
      }),
      ...state.errors
        .slice(-maxErrors)
        .map((item) => fit(paint('31', `  ✗ ${printable(item.path)}: ${printable(item.message)}`))),
    ]
    return redact(lines.join('\n'))
  }
  const draw = () => {
    if (!frame || !snapshot || closed) return
    frame(render())
  }
  /** Text above the live view: the view is erased, the text written as it is (the terminal wraps it), the view drawn again. */
  const persist = (text: string) => {
    const clean = redact(text)
    frame?.clear()
    output.write(clean.endsWith('\n') ? clean : `${clean}\n`)
    draw()
  }

  return {
    log(level, message, fields = {}) {
      if (closed) return
      if (options.format === 'json') {
        output.write(
          redact(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`),
        )
        return
      }
      if (level === 'debug') return
      const time = new Date().toISOString().slice(11, 19)
      const details = Object.entries(fields)
        .filter(([key, value]) => value !== undefined && key !== 'stack')
        .map(([key, value]) => `${key}=${formatValue(value)}`)
        .join(' ')
      persist(
        `${time} ${paint(levelColours[level], level.padEnd(5))} ${printable(message)}${details ? `  ${details}` : ''}`,
      )
    },
    addSecret(secret) {
      if (secret.length >= 4 && !secrets.includes(secret)) secrets.push(secret)
    },
    watch(source) {
      snapshot = source
      if (frame && !timer) {
        timer = setInterval(draw, redrawMs)
        timer.unref()
        draw()
      }
    },
    print(text) {
      persist(text)
    },
    close() {
      if (timer) clearInterval(timer)
      timer = undefined
      closed = true
      if (frame) {
        frame.clear()
        frame.done()
      }
    },
  }
}
