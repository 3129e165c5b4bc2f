/**
 * Everything the command says on stderr, and its results on stdout. On a terminal, a live view shows one bar
 * per document being converted (bytes uploaded, then time converting, and `page 7/20` for split documents) and a
 * line for each one finished; elsewhere (a pipe, a file, CI) only notices and failures are written. `NO_COLOR`
 * turns colours off (the bars stay). Secrets (the API token, the local server's token) are replaced wherever
 * they would appear.
 */
import type { ProgressEvent } from '@numarkdown/core'

/** The progress of one document in the live view. */
export interface Tracker {
  /** A progress event of core for this document. */
  event(event: ProgressEvent): void
  /** Converted; `detail` says where the result went. */
  done(detail: string): void
  /** Failed (the reason is written by {@link Reporter.problem}). */
  failed(): void
}

/** Where the command reports. */
export interface Reporter {
  /** Keeps a secret out of everything written to stderr. */
  addSecret(secret: string | undefined): void
  /** A line about the run (`numarkdown: …`). */
  notice(message: string): void
  /** One line naming a document (or input) and what went wrong with it. */
  problem(display: string, message: string): void
  /** Starts showing a document's progress (a no-op off a terminal). */
  track(display: string): Tracker
  /** Writes a result to stdout; resolves once it was handed to the system. */
  result(text: string): Promise<void>
  /** Stops the live view, leaving what it printed above it. */
  close(): void
}

export interface ReporterOptions {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number }
  environment: NodeJS.ProcessEnv
}

interface Row {
  display: string
  startedAt: number
  phase: 'waiting' | 'uploading' | 'converting'
  bytesSent: number
  totalBytes?: number
  /** Pages a split document converts, once core has planned them. */
  pagesTotal?: number
  /** Pages of a split document converted so far, in any order. */
  pagesDone: number
}

const barWidth = 20
const redrawMs = 100

function seconds(ms: number): string {
  const total = ms / 1000
  if (total < 60) return `${total.toFixed(1)}s`
  return `${Math.floor(total / 60)}m${String(Math.round(total % 60)).padStart(2, '0')}s`
}

function truncate(text: string, width: number): string {
  const characters = [...text]
  return characters.length <= width ? text : `${characters.slice(0, Math.max(0, width - 1)).join('')}…`
}

/** Whether colours are wanted: a terminal, and no `NO_COLOR` (any non-empty value) or `TERM=dumb`. */
export function wantsColour(stream: { isTTY?: boolean }, environment: NodeJS.ProcessEnv): boolean {
  if (stream.isTTY !== true) return false
  if (environment.NO_COLOR !== undefined && environment.NO_COLOR !== '') return false
  if (environment.TERM === 'dumb') return false
  return true
}

export function createReporter(options: ReporterOptions): Reporter {
  const { stdout, stderr, environment } = options
  const live = stderr.isTTY === true && environment.TERM !== 'dumb'
  const colour = wantsColour(stderr, environment)
  const paint = (code: string, text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text)
  const secrets: string[] = []
  const redact = (text: string) => {
    let clean = text
    for (const secret of secrets) clean = clean.split(secret).join('[redacted]')
    return clean
  }

  const rows = new Map<Tracker, Row>()
  let done = 0
  let failed = 0
  let tracked = 0
  let liveLines = 0
  let timer: NodeJS.Timeout | undefined
  let closed = false

  const clearLive = () => {
    if (liveLines > 0) stderr.write(`\x1b[${liveLines}F\x1b[0J`)
    liveLines = 0
  }

  const drawRow = (row: Row, width: number, now: number): string => {
    const name = truncate(row.display, Math.max(12, Math.min(40, width - barWidth - 30))).padEnd(
      Math.min(40, Math.max(12, width - barWidth - 30)),
    )
    let bar: string
    let status: string
    if (row.phase === 'uploading' && row.totalBytes) {
      const ratio = Math.min(1, row.bytesSent / row.totalBytes)
      const filled = Math.round(ratio * barWidth)
      bar = `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`
      status = `uploading ${Math.round(ratio * 100)}%`
    } else if (row.phase === 'converting') {
      // No percentage exists while the server converts: a block that moves shows it is alive.
      const position = Math.floor((now - row.startedAt) / 150) % (2 * (barWidth - 3))
      const offset = position < barWidth - 3 ? position : 2 * (barWidth - 3) - position
      bar = `${'░'.repeat(offset)}███${'░'.repeat(barWidth - 3 - offset)}`
      const pages =
        row.pagesTotal !== undefined && row.pagesTotal > 1 ? `, page ${row.pagesDone}/${row.pagesTotal}` : ''
      status = `converting${pages}`
    } else {
      bar = '░'.repeat(barWidth)
      status = row.phase === 'uploading' ? 'uploading' : 'waiting'
    }
    return `${name} ${paint('36', bar)} ${status} ${paint('2', seconds(now - row.startedAt))}`
  }

  const drawLive = () => {
    if (!live || closed) return
    const width = Math.max(40, (stderr.columns || 100) - 1)
    const maxRows = Math.max(1, (stderr.rows || 24) - 3)
    const now = Date.now()
    const lines: string[] = []
    if (tracked > 1) {
      const waiting = tracked - done - failed
      lines.push(
        `${paint('1', 'numarkdown')}  ${paint('32', `${done} done`)}  ${failed > 0 ? paint('31', `${failed} failed`) : '0 failed'}  ${waiting} to go`,
      )
    }
    const active = [...rows.values()].filter((row) => row.phase !== 'waiting')
    for (const row of active.slice(0, maxRows)) lines.push(drawRow(row, width, now))
    if (active.length > maxRows) lines.push(paint('2', `… and ${active.length - maxRows} more`))
    clearLive()
    if (lines.length > 0) stderr.write(`${lines.map((line) => truncate(line, width + 20)).join('\n')}\n`)
    liveLines = lines.length
  }

  /** Writes above the live view: clear it, write, draw it again. */
  const above = (write: () => void) => {
    clearLive()
    write()
    drawLive()
  }

  const ensureTimer = () => {
    if (!live || timer !== undefined || closed) return
    timer = setInterval(drawLive, redrawMs)
    timer.unref()
  }

  const line = (text: string) => {
    above(() => stderr.write(`${redact(text)}\n`))
  }

  return {
    addSecret(secret) {
      if (secret !== undefined && secret.length >= 4 && !secrets.includes(secret)) secrets.push(secret)
    },
    notice(message) {
      line(`numarkdown: ${message}`)
    },
    problem(display, message) {
      line(`${paint('31', 'numarkdown:')} ${display}: ${message}`)
    },
    track(display) {
      tracked++
      const row: Row = {
        display,
        startedAt: Date.now(),
        phase: 'waiting',
        bytesSent: 0,
        pagesDone: 0,
      }
      const finish = () => {
        rows.delete(tracker)
      }
      const tracker: Tracker = {
        event(event) {
          if (event.type === 'upload') {
            // The ranges of a split document upload one after another while others convert: it stays converting.
            if (row.pagesTotal !== undefined) return
            row.phase = 'uploading'
            row.bytesSent = event.bytesSent
            if (event.totalBytes !== undefined) row.totalBytes = event.totalBytes
          } else if (event.type === 'submitted' || event.type === 'adopted') {
            row.phase = 'converting'
          } else if (event.type === 'pages-total') {
            row.phase = 'converting'
            row.pagesTotal = event.selectedPages ?? event.ranges
          } else if (event.type === 'page-done' && event.outcome === 'converted') {
            row.pagesDone += event.lastPageNumber - event.pageNumber + 1
          }
        },
        done(detail) {
          done++
          finish()
          if (live) line(`${paint('32', '✓')} ${display}${detail === '' ? '' : ` → ${detail}`}`)
        },
        failed() {
          failed++
          finish()
          drawLive()
        },
      }
      rows.set(tracker, row)
      // A document shows once it starts uploading; the timer redraws from then on.
      ensureTimer()
      return tracker
    },
    result(text) {
      return new Promise((resolve, reject) => {
        const write = () =>
          stdout.write(text, (error) => {
            if (error) reject(error)
            else resolve()
          })
        if (live && stdout.isTTY === true) above(write)
        else write()
      })
    },
    close() {
      if (closed) return
      if (timer !== undefined) clearInterval(timer)
      clearLive()
      closed = true
    },
  }
}
