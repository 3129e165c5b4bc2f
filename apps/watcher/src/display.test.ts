import { PassThrough, Writable } from 'node:stream'
import xterm from '@xterm/headless'
import { afterEach, describe, expect, it } from 'vitest'
import { createDisplay } from './display.js'
import type { Snapshot } from './types.js'

function capture(format: 'json' | 'pretty') {
  const output = new PassThrough()
  let text = ''
  output.on('data', (chunk: Buffer) => {
    text += chunk.toString()
  })
  const display = createDisplay({ format, output, secrets: ['s3cr3t-token'] })
  return { display, text: () => text }
}

/** A terminal emulated in memory: what the display writes is drawn as a real terminal would draw it. */
function terminal(columns: number, rows: number) {
  const screen = new xterm.Terminal({
    cols: columns,
    rows,
    scrollback: 1000,
    allowProposedApi: true,
    // What the tty driver does on a real terminal (onlcr): a line feed also returns the carriage.
    convertEol: true,
  })
  let raw = ''
  const stream = new Writable({
    // Handed over at once: the terminal parses its input in order, and `lines()` waits for all of it.
    write(chunk: Buffer, _encoding, callback) {
      raw += chunk.toString()
      screen.write(chunk.toString())
      callback()
    },
  })
  Object.assign(stream, { isTTY: true, columns, rows })
  return {
    stream: stream as unknown as NodeJS.WriteStream,
    raw: () => raw,
    /** Every line on the screen and in the scrollback, once everything written has been drawn. */
    async lines(): Promise<string[]> {
      await new Promise<void>((resolve) => screen.write('', resolve))
      const buffer = screen.buffer.active
      const lines: string[] = []
      for (let index = 0; index < buffer.length; index++) {
        const line = buffer.getLine(index)!
        // A row the terminal wrapped continues the line above it.
        if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += line.translateToString(true)
        else lines.push(line.translateToString(true))
      }
      while (lines.length > 0 && lines.at(-1) === '') lines.pop()
      return lines
    },
  }
}

function snapshot(patch: Partial<Snapshot> = {}): Snapshot {
  return {
    settling: 1,
    queued: 2,
    converting: 3,
    done: 4,
    failed: 5,
    current: [],
    errors: [],
    startedAt: Date.now(),
    ratePerMinute: 0,
    ...patch,
  }
}

const environment = { NO_COLOR: process.env.NO_COLOR, TERM: process.env.TERM }
afterEach(() => {
  for (const [name, value] of Object.entries(environment)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
})

describe('display', () => {
  it('writes JSON lines and never the token, wherever it appears', () => {
    const { display, text } = capture('json')
    display.log('info', 'converted', { path: 'a.pdf', jobId: 'j1' })
    display.log('error', 'failed with s3cr3t-token inside', { error: 'Bearer s3cr3t-token' })
    const lines = text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines[0]).toMatchObject({ level: 'info', message: 'converted', path: 'a.pdf', jobId: 'j1' })
    expect(text()).not.toContain('s3cr3t-token')
    expect(lines[1].error).toBe('Bearer [redacted]')
  })

  it('redacts a secret added at run time', () => {
    const { display, text } = capture('json')
    display.addSecret('local-random-token')
    display.log('info', 'started', { detail: 'token=local-random-token' })
    expect(text()).not.toContain('local-random-token')
  })

  it('writes readable lines in pretty mode off a terminal, with no escape sequence at all', () => {
    const { display, text } = capture('pretty')
    display.watch(() => snapshot())
    display.log('info', 'converted', { path: 'with space.pdf', ms: 12 })
    display.close()
    expect(text()).toMatch(/info {2}converted {2}path="with space.pdf" ms=12\n$/)
    expect(text()).not.toContain('\x1b')
  })

  it('escapes control characters of a value, so that a file name cannot move the cursor', () => {
    const { display, text } = capture('pretty')
    display.log('warn', 'odd name', { path: 'a\u001b[2Jb.pdf' })
    expect(text()).toContain('path="a\\u001b[2Jb.pdf"')
    expect(text()).not.toContain('\u001b')
  })

  it('leaves no stale line on an 80-column terminal, whatever the length of rows and logs', async () => {
    const screen = terminal(80, 24)
    const display = createDisplay({ format: 'pretty', output: screen.stream })
    const long = `reports/${'quarterly figures of the northern region '.repeat(4)}.pdf`
    const wide = `スキャン/${'請求書と領収書'.repeat(12)}.png`
    let state = snapshot({
      current: [
        { path: long, since: Date.now() },
        { path: wide, since: Date.now() },
      ],
      errors: [{ path: long, message: `the PDF has no %%EOF marker ${'and more words '.repeat(10)}` }],
    })
    display.watch(() => state)
    for (let index = 0; index < 6; index++) {
      display.log('info', `converted number ${index}`, { path: index % 2 ? wide : long })
      state = { ...state, current: state.current.slice(0, index % 2 ? 1 : 2), done: state.done + 1 }
    }
    const live = await screen.lines()
    // The live view is on screen once, under the log lines, each of its rows within the width.
    expect(live.filter((line) => line.startsWith('numarkdown-watch '))).toHaveLength(1)
    expect(live.filter((line) => line.startsWith('  ✗ '))).toHaveLength(1)
    display.close()
    const lines = await screen.lines()
    expect(lines, lines.join('\n')).toHaveLength(6)
    lines.forEach((line, index) => {
      expect(line).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d info  converted number ${index} `))
    })
  })

  it('honours NO_COLOR on a terminal: a live view, without colours', async () => {
    process.env.NO_COLOR = '1'
    const screen = terminal(100, 24)
    const display = createDisplay({ format: 'pretty', output: screen.stream })
    display.watch(() => snapshot())
    display.log('error', 'failed', { path: 'a.pdf' })
    expect(await screen.lines()).toContainEqual(
      expect.stringMatching(
        /^numarkdown-watch 0\.0\/min {2}done 4 {2}failed 5 {2}converting 3 {2}queued 2 {2}settling 1$/,
      ),
    )
    display.close()
    // Colours are SGR sequences (ESC [ … m); cursor movements and erasing remain.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what is looked for
    expect(screen.raw()).not.toMatch(/\u001b\[[0-9;]*m/)
  })

  it('shows the pages done of a document converted page by page, in the live view only', async () => {
    const screen = terminal(100, 24)
    const display = createDisplay({ format: 'pretty', output: screen.stream })
    const since = Date.now()
    display.watch(() =>
      snapshot({
        current: [
          { path: 'books/atlas.pdf', since, pages: { done: 7, total: 20 } },
          { path: 'note.txt', since },
        ],
      }),
    )
    const lines = await screen.lines()
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}⟳ books\/atlas\.pdf {2}page 7\/20 {2}0s$/))
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}⟳ note\.txt {2}0s$/))
    display.close()
    // Off a terminal there is no live view: nothing is written per page.
    const { display: plain, text } = capture('pretty')
    plain.watch(() => snapshot({ current: [{ path: 'atlas.pdf', since, pages: { done: 7, total: 20 } }] }))
    plain.close()
    expect(text()).toBe('')
  })

  it('shows the rate of the last minute, not the average since the start', async () => {
    const screen = terminal(100, 24)
    const display = createDisplay({ format: 'pretty', output: screen.stream })
    // 60 done in the first minute, nothing in the five minutes since.
    display.watch(() => snapshot({ done: 60, startedAt: Date.now() - 6 * 60_000, ratePerMinute: 0 }))
    expect((await screen.lines()).find((line) => line.startsWith('numarkdown-watch'))).toMatch(
      /^numarkdown-watch 0\.0\/min {2}done 60 /,
    )
    display.close()
  })
})
