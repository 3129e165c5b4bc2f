import type { LogFormat } from './options.js'

export type Level = 'debug' | 'info' | 'warn' | 'error'

/** What the live view shows. */
export interface Snapshot {
  /** Seen, waiting for size and mtime to hold still. */
  settling: number
  queued: number
  converting: number
  done: number
  failed: number
  /** Files being converted now, with the moment each started. */
  current: Array<{ path: string; since: number; jobId?: string }>
  /** Most recent failures, newest last. */
  errors: Array<{ path: string; message: string }>
  startedAt: number
}

/** Where the watcher reports: JSON lines, or pretty lines under a live progress view on a terminal. */
export interface Display {
  log(level: Level, message: string, fields?: Record<string, unknown>): void
  /** Give the live view a way to read the current state; it redraws on its own. */
  watch(snapshot: () => Snapshot): void
  /** Keep one more secret (a token made at run time) out of everything written. */
  addSecret(secret: string): void
  /** Print text as is (the summary table), after the live view is gone. */
  print(text: string): void
  close(): void
}

export interface DisplayOptions {
  format: LogFormat
  output?: NodeJS.WriteStream | NodeJS.WritableStream
  /** Strings that must never be written (the API token), replaced by `[redacted]` wherever they appear. */
  secrets?: Array<string | undefined>
}

const LEVEL_COLOURS: Record<Level, string> = { debug: '2', info: '36', warn: '33', error: '31' }

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000)
  return seconds < 60
    ? `${seconds}s`
    : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value
  return JSON.stringify(value)
}

export function createDisplay(options: DisplayOptions): Display {
  const output = options.output ?? process.stdout
  const secrets = (options.secrets ?? []).filter((secret): secret is string => !!secret && secret.length >= 4)
  const redact = (text: string) => {
    let clean = text
    for (const secret of secrets) clean = clean.split(secret).join('[redacted]')
    return clean
  }
  const live = options.format === 'pretty' && (output as NodeJS.WriteStream).isTTY === true
  let liveLines = 0
  let snapshot: (() => Snapshot) | undefined
  let timer: NodeJS.Timeout | undefined
  let closed = false

  const write = (text: string) => output.write(redact(text))
  const clearLive = () => {
    if (liveLines > 0) write(`\x1b[${liveLines}A\x1b[0J`)
    liveLines = 0
  }
  const drawLive = () => {
    if (!live || !snapshot || closed) return
    const state = snapshot()
    const columns = (output as NodeJS.WriteStream).columns || 100
    const minutes = Math.max((Date.now() - state.startedAt) / 60_000, 1 / 60)
    const lines = [
      `\x1b[1mnumarkdown-watch\x1b[0m  settling ${state.settling}  queued ${state.queued}  converting ${state.converting}  \x1b[32mdone ${state.done}\x1b[0m  \x1b[31mfailed ${state.failed}\x1b[0m  ${(state.done / minutes).toFixed(1)}/min`,
      ...state.current
        .slice(0, 6)
        .map((item) => `  ⟳ ${item.path}  ${formatDuration(Date.now() - item.since)}`),
      ...state.errors.slice(-3).map((item) => `  \x1b[31m✗ ${item.path}: ${item.message}\x1b[0m`),
    ].map((line) => (line.length > columns + 20 ? `${line.slice(0, columns + 16)}…` : line))
    clearLive()
    write(`${lines.join('\n')}\n`)
    liveLines = lines.length
  }

  return {
    log(level, message, fields = {}) {
      if (closed) return
      if (options.format === 'json') {
        write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`)
        return
      }
      if (level === 'debug') return
      const time = new Date().toISOString().slice(11, 19)
      const details = Object.entries(fields)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${formatValue(value)}`)
        .join(' ')
      const colour = live ? `\x1b[${LEVEL_COLOURS[level]}m` : ''
      const reset = live ? '\x1b[0m' : ''
      clearLive()
      write(`${time} ${colour}${level.padEnd(5)}${reset} ${message}${details ? `  ${details}` : ''}\n`)
      drawLive()
    },
    addSecret(secret) {
      if (secret.length >= 4 && !secrets.includes(secret)) secrets.push(secret)
    },
    watch(source) {
      snapshot = source
      if (live && !timer) {
        timer = setInterval(drawLive, 500)
        timer.unref()
        drawLive()
      }
    },
    print(text) {
      clearLive()
      write(text)
    },
    close() {
      if (timer) clearInterval(timer)
      timer = undefined
      clearLive()
      closed = true
    },
  }
}
