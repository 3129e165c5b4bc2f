import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { scriptedEngine } from '@numarkdown/server'
import { eventually, makePdf, startTestServer, type TestServer } from '@numarkdown/testing'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createDisplay } from '../src/display.js'
import { createWatcher } from '../src/watcher.js'
import {
  createWorkspace,
  journalRecord,
  killLeftoverWatchers,
  readIfExists,
  startWatcher,
  submissions,
  type Workspace,
} from './harness.js'

/** The page a range's upload holds, from the name the client gives it (`book-p3.pdf`). */
const pageOf = (filename: string) => Number(/-p(\d+)(?:-\d+)?\.pdf$/.exec(filename)?.[1])
const pageTexts = (count: number) => Array.from({ length: count }, (_, index) => `page ${index + 1}`)

/** The pages in a markdown output, in the order they appear (the scripted engine titles each `# book-p3.pdf`). */
function pagesIn(markdown: string, name: string): number[] {
  return [...markdown.matchAll(new RegExp(`^# ${name}-p(\\d+)\\.pdf$`, 'gm'))].map((match) =>
    Number(match[1]),
  )
}

let workspace: Workspace
beforeEach(async () => {
  workspace = await createWorkspace()
})
afterEach(async () => {
  await killLeftoverWatchers()
  await workspace.folder.remove()
})

describe('page by page (--split-pages, --pages)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  it('converts a PDF page by page into one output, pages in order; other documents whole, said once', async () => {
    const { inbox, out } = workspace
    await writeFile(join(inbox, 'book.pdf'), await makePdf(pageTexts(5)))
    await writeFile(join(inbox, 'a.txt'), 'first note\n')
    await writeFile(join(inbox, 'b.txt'), 'second note\n')
    const watcher = startWatcher({
      inbox,
      out,
      url: server.url,
      token: server.token,
      args: ['--once', '--split-pages'],
    })
    expect(await watcher.exited, watcher.output()).toBe(0)
    const markdown = (await readIfExists(join(out, 'book.pdf.md'))) ?? ''
    expect(pagesIn(markdown, 'book')).toEqual([1, 2, 3, 4, 5])
    expect(await readIfExists(join(out, 'a.txt.md'))).toContain('first note')
    expect(await readIfExists(join(out, 'b.txt.md'))).toContain('second note')
    const whole = watcher.lines.filter((line) => /applies to PDFs only/.test(line.message))
    expect(whole.map((line) => line.message)).toEqual([
      '--split-pages applies to PDFs only: other documents are converted whole',
    ])
    // The log stays quiet: a line when the pages are planned, one when the document is converted, none per page.
    const aboutBook = watcher.lines.filter((line) => line.path === 'book.pdf')
    expect(aboutBook.map((line) => line.message)).toEqual(['converting page by page', 'converted'])
    expect(aboutBook[0]).toMatchObject({ pages: 5, ranges: 5 })
    // Done: the journal keeps no page handle for it.
    expect(await journalRecord(out, 'book.pdf')).toMatchObject({ status: 'done' })
    expect((await journalRecord(out, 'book.pdf'))?.pages).toBeUndefined()
  })

  it('--pages uploads only those pages; a document without them fails with the reason and the watcher goes on', async () => {
    const { inbox, out } = workspace
    const before = server.server.requests.length
    await writeFile(join(inbox, 'short.pdf'), await makePdf(pageTexts(3)))
    await writeFile(join(inbox, 'long.pdf'), await makePdf(pageTexts(12)))
    const watcher = startWatcher({
      inbox,
      out,
      url: server.url,
      token: server.token,
      args: ['--pages', '2-3,10-'],
    })
    const failed = await watcher.waitForLine((line) => line.message === 'failed' && line.path === 'short.pdf')
    expect(failed.error).toBe('pages "2-3,10-": the document has 3 pages; ask for pages 1 to 3')
    await watcher.waitForLine((line) => line.message === 'converted' && line.path === 'long.pdf')
    expect(pagesIn((await readIfExists(join(out, 'long.pdf.md'))) ?? '', 'long')).toEqual([2, 3, 10, 11, 12])
    const errorFile = JSON.parse((await readIfExists(join(out, '.failed', 'short.pdf.error.json'))) ?? '{}')
    expect(errorFile.why).toMatch(/the document has 3 pages/)
    // Still watching: a document dropped now is converted.
    await writeFile(join(inbox, 'later.pdf'), await makePdf(pageTexts(10)))
    await watcher.waitForLine((line) => line.message === 'converted' && line.path === 'later.pdf')
    expect(pagesIn((await readIfExists(join(out, 'later.pdf.md'))) ?? '', 'later')).toEqual([2, 3, 10])
    // Only the pages asked for were uploaded: none of short.pdf, five of long.pdf, three of later.pdf.
    const uploads = server.server.requests
      .slice(before)
      .filter((entry) => entry.route === 'submit' && entry.status === 200)
    expect(uploads).toHaveLength(8)
    expect(watcher.child.exitCode).toBeNull()
    watcher.kill('SIGTERM')
    expect(await watcher.exited).toBe(0)
  })

  it('refuses a malformed --pages as a usage error naming the flag (exit 2), before anything is converted', async () => {
    const { inbox, out } = workspace
    const before = server.server.requests.length
    await writeFile(join(inbox, 'book.pdf'), await makePdf(pageTexts(2)))
    const watcher = startWatcher({
      inbox,
      out,
      url: server.url,
      token: server.token,
      args: ['--once', '--pages', '3-1'],
    })
    expect(await watcher.exited).toBe(2)
    expect(watcher.stderr()).toMatch(
      /^numarkdown-watch: expected --pages to be pages like 1-3,7,10- .*got "3-1": the range 3-1 ends before it starts\n/,
    )
    expect(server.server.requests.length).toBe(before)
  })
})

describe('a page that still fails after its own retry (--on-page-error)', () => {
  let server: TestServer
  beforeAll(async () => {
    // Page 3 of every document fails on the server, however often it is converted.
    const engine = scriptedEngine({
      outcome: (document) =>
        pageOf(document.filename) === 3
          ? { type: 'fail', code: 'InvalidPage', message: 'The page cannot be read' }
          : 'complete',
    })
    server = await startTestServer({ engine })
  })
  afterAll(() => server.close())

  it('fails the document by default: the error names the page, no output is written', async () => {
    const { inbox, out } = workspace
    await writeFile(join(inbox, 'book.pdf'), await makePdf(pageTexts(5)))
    const watcher = startWatcher({
      inbox,
      out,
      url: server.url,
      token: server.token,
      args: ['--once', '--split-pages'],
    })
    expect(await watcher.exited, watcher.output()).toBe(1)
    const failed = watcher.lines.find((line) => line.message === 'failed' && line.path === 'book.pdf')
    expect(failed?.error, watcher.output()).toMatch(/^page 3 of book\.pdf failed: .*The page cannot be read/)
    expect(await readIfExists(join(out, 'book.pdf.md'))).toBeUndefined()
    expect(await journalRecord(out, 'book.pdf')).toMatchObject({ status: 'failed' })
    const summary = watcher.lines.find((line) => line.message === 'summary')
    expect(summary).toMatchObject({ converted: 0, failed: 1, partial: 0 })
  })

  it('with skip, writes the other pages in order and a marker in its place, names the page everywhere, and keeps the document done', async () => {
    const { inbox, out } = workspace
    await writeFile(join(inbox, 'book.pdf'), await makePdf(pageTexts(5)))
    const args = ['--once', '--split-pages', '--on-page-error', 'skip']
    const first = startWatcher({ inbox, out, url: server.url, token: server.token, args })
    // Converted, but not whole: --once says so with its exit code.
    expect(await first.exited, first.output()).toBe(1)
    const markdown = (await readIfExists(join(out, 'book.pdf.md'))) ?? ''
    expect(pagesIn(markdown, 'book')).toEqual([1, 2, 4, 5])
    const marker = /^<!-- numarkdown: page 3 of book\.pdf failed: .*The page cannot be read.* -->$/m
    expect(markdown).toMatch(marker)
    // In page order: page 2, the marker, page 4.
    const at = (pattern: RegExp) => markdown.search(pattern)
    expect(at(/^# book-p2\.pdf$/m)).toBeLessThan(at(marker))
    expect(at(marker)).toBeLessThan(at(/^# book-p4\.pdf$/m))
    // The log line, the summary and the journal name the page that failed.
    const converted = first.lines.find(
      (line) => line.path === 'book.pdf' && line.message.startsWith('converted'),
    )
    expect(converted).toMatchObject({ level: 'warn', failedPages: '3', partial: true })
    expect(converted?.message).toMatch(/^converted; page 3 failed: .*The page cannot be read/)
    const summary = first.lines.find((line) => line.message === 'summary')
    expect(summary).toMatchObject({ converted: 1, failed: 0, partial: 1 })
    expect((summary?.rows as unknown[] | undefined)?.[0]).toMatchObject({
      path: 'book.pdf',
      outcome: 'converted',
      failedPages: '3',
      error: expect.stringMatching(/^page 3 failed: /),
    })
    const record = await journalRecord(out, 'book.pdf')
    expect(record).toMatchObject({
      status: 'done',
      failedPages: [{ pageNumber: 3, lastPageNumber: 3, code: 'InvalidPage' }],
    })
    expect((record?.failedPages as Array<{ message: string }> | undefined)?.[0]?.message).toMatch(
      /The page cannot be read/,
    )

    // A later run converts nothing again: the document is unchanged, its failed page still named.
    const submitted = submissions(server.server.requests)
    const second = startWatcher({ inbox, out, url: server.url, token: server.token, args })
    expect(await second.exited, second.output()).toBe(1)
    expect(submissions(server.server.requests)).toBe(submitted)
    const again = second.lines.find((line) => line.message === 'summary')
    expect(again).toMatchObject({ converted: 0, unchanged: 1, partial: 1 })
    expect((again?.rows as unknown[] | undefined)?.[0]).toMatchObject({
      outcome: 'unchanged',
      failedPages: '3',
    })

    // Once the source changes, it is converted again: two pages, none failed.
    await writeFile(join(inbox, 'book.pdf'), await makePdf(pageTexts(2)))
    const third = startWatcher({ inbox, out, url: server.url, token: server.token, args })
    expect(await third.exited, third.output()).toBe(0)
    expect(pagesIn((await readIfExists(join(out, 'book.pdf.md'))) ?? '', 'book')).toEqual([1, 2])
    expect((await journalRecord(out, 'book.pdf'))?.failedPages).toBeUndefined()
  })

  it('refuses --on-page-error without --split-pages or --pages, and a value other than fail or skip (exit 2)', async () => {
    const { inbox, out } = workspace
    const alone = startWatcher({ inbox, out, args: ['--once', '--on-page-error', 'skip'] })
    expect(await alone.exited).toBe(2)
    expect(alone.stderr()).toMatch(
      /^numarkdown-watch: expected --split-pages or --pages with --on-page-error skip: /,
    )
    const unknown = startWatcher({
      inbox,
      out,
      args: ['--once', '--split-pages', '--on-page-error', 'ignore'],
    })
    expect(await unknown.exited).toBe(2)
    expect(unknown.stderr()).toMatch(
      /^numarkdown-watch: expected --on-page-error to be fail or skip, got "ignore"\n/,
    )
  })
})

describe('the live view of a document converted page by page', () => {
  it('shows the pages done of the pages to convert while the document converts', async () => {
    const engine = scriptedEngine({ hold: (document) => pageOf(document.filename) >= 4 })
    const server = await startTestServer({ engine })
    const { inbox, out } = workspace
    await writeFile(join(inbox, 'atlas.pdf'), await makePdf(pageTexts(6)))
    const lines: string[] = []
    const display = createDisplay({
      format: 'json',
      output: new (await import('node:stream')).Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(chunk.toString())
          callback()
        },
      }),
    })
    const watcher = await createWatcher(
      {
        inbox,
        out,
        baseUrl: server.url,
        apiKey: server.token,
        splitPages: true,
        stabilityMs: 50,
        once: true,
      },
      { display },
    )
    try {
      await engine.gate.whenWaiting(2)
      await eventually(
        () => watcher.snapshot().current.find((item) => item.path === 'atlas.pdf')?.pages?.done === 3,
        'three pages done',
      )
      expect(watcher.snapshot().current[0]?.pages).toEqual({ done: 3, total: 6 })
      engine.gate.open()
      expect((await watcher.finished).converted).toBe(1)
      expect(lines.filter((line) => line.includes('"atlas.pdf"'))).toHaveLength(2)
    } finally {
      await watcher.stop()
      display.close()
      await server.close()
    }
  })
})

describe.each([
  ['kill -9', 'SIGKILL'],
  ['a stop whose grace period ends', 'SIGTERM'],
] as const)('%s in the middle of a document converted page by page', (_, signal) => {
  it('resumes it: the next start submits only the pages that had no job, and the output holds every page once, in order', async () => {
    const engine = scriptedEngine({ hold: (document) => pageOf(document.filename) >= 4 })
    const server = await startTestServer({ engine })
    try {
      const { inbox, out } = workspace
      await writeFile(join(inbox, 'book.pdf'), await makePdf(pageTexts(12)))
      const first = startWatcher({
        inbox,
        out,
        url: server.url,
        token: server.token,
        args: ['--split-pages', '--concurrency', '2', '--grace-ms', '100'],
      })
      // Pages 1-3 done, 4 and 5 held on the server (two in flight), 6-12 not submitted yet.
      await engine.gate.whenWaiting(2)
      await eventually(async () => {
        const record = await journalRecord(out, 'book.pdf')
        const ranges = (record?.pages as { ranges: Array<{ jobId?: string }> } | undefined)?.ranges ?? []
        return ranges.filter((range) => range.jobId).length === 5
      }, 'the journal holding the jobs of pages 1 to 5')
      const submits = () => server.server.requests.filter((entry) => entry.route === 'submit').length
      expect(submits()).toBe(5)
      expect(engine.calls.map((call) => pageOf(call.document.filename)).sort()).toEqual([1, 2, 3, 4, 5])
      first.kill(signal)
      await first.exited
      // Neither a kill nor a stop cancels the pages in flight: they are still converting on the server.
      expect(server.server.requests.filter((entry) => entry.route === 'cancel')).toHaveLength(0)
      expect(engine.gate.waiting).toHaveLength(2)
      // The held pages finish on the server while no watcher runs.
      engine.gate.open()

      const second = startWatcher({
        inbox,
        out,
        url: server.url,
        token: server.token,
        args: ['--once', '--split-pages', '--concurrency', '2'],
      })
      expect(await second.exited, second.output()).toBe(0)
      // Submitted again: only the seven pages that had no job; none of the five finished or in flight.
      expect(submits(), second.output()).toBe(5 + 7)
      const secondRun = engine.calls.slice(5).map((call) => pageOf(call.document.filename))
      expect(secondRun.sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10, 11, 12])
      expect(second.lines.find((line) => line.message === 'resuming page by page')).toMatchObject({
        path: 'book.pdf',
        pages: 12,
        rangesWithJob: 5,
      })
      const markdown = await readFile(join(out, 'book.pdf.md'), 'utf8')
      expect(pagesIn(markdown, 'book')).toEqual(pageTexts(12).map((_, index) => index + 1))
    } finally {
      await server.close()
    }
  })
})
