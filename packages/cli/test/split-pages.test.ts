import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NuMarkdownClient } from '@numarkdown/core'
import { type ScriptedEngine, type ScriptedEngineOptions, scriptedEngine } from '@numarkdown/server'
import {
  createdJobs,
  eventually,
  listFiles,
  makePdf,
  startTestServer,
  type TestServer,
  tempDir,
} from '@numarkdown/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type CliProcess, jobStatus, runCli, type StartOptions, startCli } from './harness.js'

// The scripted engine writes a heading with the filename it got: a page range of book.pdf is `book-p<N>.pdf`.
let folder: { path: string; remove(): Promise<void> }
let server: TestServer | undefined
/** What stdout gets for book.pdf: the merged result of a split conversion, ending with a newline. */
let merged: string

beforeAll(async () => {
  folder = await tempDir('numarkdown-cli-')
  await writeFile(join(folder.path, 'book.pdf'), await makePdf(['Page one', 'Page two', 'Page three']))
  const reference = await startTestServer()
  const client = new NuMarkdownClient({ apiKey: reference.token, baseUrl: reference.url })
  try {
    const result = await client.convert(join(folder.path, 'book.pdf'), { splitPages: true })
    merged = result.markdown.endsWith('\n') ? result.markdown : `${result.markdown}\n`
  } finally {
    await client.close()
    await reference.close()
  }
  expect(merged.match(/^# book-p\d\.pdf$/gm)).toEqual(['# book-p1.pdf', '# book-p2.pdf', '# book-p3.pdf'])
})
afterEach(async () => {
  // A test that failed half-way leaves no command running.
  for (const cli of started.splice(0)) {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL')
    await cli.exited
  }
  await server?.close()
  server = undefined
})
afterAll(() => folder.remove())

const started: CliProcess[] = []

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function start(options: StartOptions): CliProcess {
  const cli = startCli(options)
  started.push(cli)
  return cli
}

/** A server whose scripted engine holds the page ranges `held` names until the test releases them. */
async function serverHolding(
  held: (filename: string) => boolean,
  outcome?: ScriptedEngineOptions['outcome'],
): Promise<{ engine: ScriptedEngine; server: TestServer }> {
  const engine = scriptedEngine({
    hold: (document) => held(document.filename),
    ...(outcome === undefined ? {} : { outcome }),
  })
  server = await startTestServer({ engine })
  return { engine, server }
}

/** stdout once the pages before `page` were written: the merged text up to that page's separator. */
function throughPage(page: number): string {
  return merged.slice(0, merged.indexOf(`\n\n# book-p${page + 1}.pdf`))
}

/** Jobs whose result the command has received: their event stream was answered and closed. */
function answeredJobs(running: TestServer): string[] {
  return createdJobs(running).filter((jobId) =>
    running.server.requests.some(
      (request) => request.path === `/api/jobs/${jobId}/stream` && request.status === 200,
    ),
  )
}

async function statuses(running: TestServer): Promise<string[]> {
  const jobs = createdJobs(running)
  return (await Promise.all(jobs.map((jobId) => jobStatus(running, jobId)))).sort()
}

describe('--split-pages streams pages to stdout', () => {
  it('writes each page as soon as it and the pages before it are done', async () => {
    const { engine, server: running } = await serverHolding((filename) => filename === 'book-p3.pdf')
    const cli = start({ args: ['book.pdf', '--split-pages'], cwd: folder.path, server: running })
    // Page 3 is held on the server; pages 1 and 2 reach stdout meanwhile.
    await engine.gate.whenWaiting(1)
    await eventually(() => cli.stdout() === throughPage(2), 'pages 1 and 2 on stdout')
    expect(engine.gate.waiting.map((document) => document.filename)).toEqual(['book-p3.pdf'])
    expect(await statuses(running)).toEqual(['completed', 'completed', 'running'])
    engine.gate.release()
    expect(await cli.exited).toBe(0)
    // The same bytes as the merged result.
    expect(cli.stdout()).toBe(merged)
    expect(cli.stderr()).toBe('')
  })

  it('keeps page order when later pages finish first', async () => {
    const { engine, server: running } = await serverHolding((filename) => filename === 'book-p1.pdf')
    const cli = start({ args: ['book.pdf', '--split-pages'], cwd: folder.path, server: running })
    await engine.gate.whenWaiting(1)
    // Pages 2 and 3 are converted and their results sent to the command while page 1 is still held.
    await eventually(() => answeredJobs(running).length === 2, 'pages 2 and 3 answered')
    expect(cli.stdout()).toBe('')
    engine.gate.release()
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toBe(merged)
  })

  it('with -o, writes the file whole once the last page is done', async () => {
    const { engine, server: running } = await serverHolding((filename) => filename === 'book-p3.pdf')
    const cli = start({
      args: ['book.pdf', '--split-pages', '-o', 'book.md'],
      cwd: folder.path,
      server: running,
    })
    await engine.gate.whenWaiting(1)
    await eventually(() => answeredJobs(running).length === 2, 'pages 1 and 2 answered')
    expect(await listFiles(folder.path)).toEqual(['book.pdf'])
    engine.gate.release()
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toBe('')
    expect(await readFile(join(folder.path, 'book.md'), 'utf8')).toBe(merged)
    expect(await listFiles(folder.path)).toEqual(['book.md', 'book.pdf'])
  })

  it('a failed middle page: exit 1 naming the file and the page, stdout keeps the pages before it', async () => {
    let holdPageTwo = true
    const { engine, server: running } = await serverHolding(
      (filename) => filename === 'book-p3.pdf' || (holdPageTwo && filename === 'book-p2.pdf'),
      (document) =>
        document.filename === 'book-p2.pdf'
          ? { type: 'fail', code: 'InvalidPage', message: 'The page cannot be read' }
          : 'complete',
    )
    const cli = start({ args: ['book.pdf', '--split-pages'], cwd: folder.path, server: running })
    await engine.gate.whenWaiting(2)
    await eventually(() => cli.stdout() === throughPage(1), 'page 1 on stdout')
    // Page 2 fails, and fails again when it is converted again on its own; page 3 is still running.
    holdPageTwo = false
    engine.gate.release('book-p2.pdf')
    expect(await cli.exited).toBe(1)
    expect(cli.stdout()).toBe(throughPage(1))
    expect(cli.stderr()).toMatch(
      /^numarkdown: book\.pdf: page 2 failed: the conversion failed \(InvalidPage\): The page cannot be read \(job [\w-]+\); stdout has page 1 only\n$/,
    )
    // Page 2 was tried twice; page 3 was cancelled with the document.
    expect(await statuses(running)).toEqual(['cancelled', 'completed', 'failed', 'failed'])
  })

  it('--on-page-error skip: a failed middle page is marked in its place, the later pages follow, exit 1 naming it', async () => {
    const { server: running } = await serverHolding(
      () => false,
      (document) =>
        document.filename === 'book-p2.pdf'
          ? { type: 'fail', code: 'InvalidPage', message: 'The page cannot be read' }
          : 'complete',
    )
    const cli = start({
      args: ['book.pdf', '--split-pages', '--on-page-error', 'skip'],
      cwd: folder.path,
      server: running,
    })
    // Something failed: the exit status says so, though stdout has the document.
    expect(await cli.exited).toBe(1)
    const pageThree = merged.slice(merged.indexOf('# book-p3.pdf'))
    const marker =
      '<!-- numarkdown: page 2 of book.pdf failed: Job [\\w-]+ failed: The page cannot be read -->'
    expect(cli.stdout()).toMatch(
      new RegExp(`^${escapeRegExp(throughPage(1))}\n\n${marker}\n\n${escapeRegExp(pageThree)}$`),
    )
    expect(cli.stderr()).toMatch(
      /^numarkdown: book\.pdf: page 2 failed: the conversion failed \(InvalidPage\): The page cannot be read \(job [\w-]+\); stdout has the other pages, with a marker in its place\n$/,
    )
    // Page 2 was tried twice, and nothing was cancelled.
    expect(await statuses(running)).toEqual(['completed', 'completed', 'failed', 'failed'])
  })

  it('--on-page-error skip with -o and --json: the file holds the marker, the JSON line the error', async () => {
    const { server: running } = await serverHolding(
      () => false,
      (document) =>
        document.filename === 'book-p2.pdf'
          ? { type: 'fail', code: 'InvalidPage', message: 'Unreadable' }
          : 'complete',
    )
    const file = await runCli({
      args: ['book.pdf', '--split-pages', '--on-page-error', 'skip', '-o', 'skipped.md'],
      cwd: folder.path,
      server: running,
    })
    expect(file.code).toBe(1)
    expect(file.stdout).toBe('')
    expect(file.stderr).toMatch(
      /^numarkdown: book\.pdf: page 2 failed: .*; skipped\.md has the other pages, with a marker in its place\n$/,
    )
    const written = await readFile(join(folder.path, 'skipped.md'), 'utf8')
    expect(written.match(/^# book-p\d\.pdf$/gm)).toEqual(['# book-p1.pdf', '# book-p3.pdf'])
    expect(written).toMatch(
      /\n\n<!-- numarkdown: page 2 of book\.pdf failed: .*Unreadable -->\n\n# book-p3\.pdf\n/,
    )
    const json = await runCli({
      args: ['book.pdf', '--split-pages', '--on-page-error', 'skip', '--json'],
      cwd: folder.path,
      server: running,
    })
    expect(json.code).toBe(1)
    const lines = json.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines.map((line) => [line.pageNumber, line.partial, line.error?.pageNumber])).toEqual([
      [1, false, undefined],
      [2, true, 2],
      [3, false, undefined],
    ])
    expect(lines[1].error.message).toMatch(/^page 2 of book\.pdf failed: .*Unreadable/)
  })

  it('Ctrl-C mid-document cancels every page still running and exits 130', async () => {
    const { engine, server: running } = await serverHolding((filename) => filename !== 'book-p1.pdf')
    const cli = start({ args: ['book.pdf', '--split-pages'], cwd: folder.path, server: running })
    await engine.gate.whenWaiting(2)
    await eventually(() => cli.stdout() === throughPage(1), 'page 1 on stdout')
    cli.child.kill('SIGINT')
    expect(await cli.exited).toBe(130)
    expect(cli.stdout()).toBe(throughPage(1))
    expect(cli.stderr()).toContain('interrupted: cancelling the conversions')
    // The command waited for its cancels before exiting.
    expect(await statuses(running)).toEqual(['cancelled', 'cancelled', 'completed'])
  })

  it('--json writes one JSON line per page, in page order', async () => {
    const { server: running } = await serverHolding(() => false)
    const run = await runCli({
      args: ['book.pdf', '--split-pages', '--json', '--pages', '2-'],
      cwd: folder.path,
      server: running,
    })
    expect(run.code).toBe(0)
    const lines = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines.map((line) => [line.input, line.pageNumber, line.lastPageNumber, line.totalPages])).toEqual([
      ['book.pdf', 2, 2, 3],
      ['book.pdf', 3, 3, 3],
    ])
    expect(lines.map((line) => line.markdown.split('\n')[0])).toEqual(['# book-p2.pdf', '# book-p3.pdf'])
    expect(lines.every((line) => typeof line.jobId === 'string' && line.reasoning !== '')).toBe(true)
  })

  it('--reasoning on stdout puts each page reasoning before that page', async () => {
    const { server: running } = await serverHolding(() => false)
    const run = await runCli({
      args: ['book.pdf', '--split-pages', '--reasoning'],
      cwd: folder.path,
      server: running,
    })
    expect(run.code).toBe(0)
    const pages = run.stdout.split(/\n\n(?=<!-- reasoning)/)
    expect(pages).toHaveLength(3)
    pages.forEach((page, index) => {
      expect(page).toMatch(
        new RegExp(
          `^<!-- reasoning\\nRead book-p${index + 1}\\.pdf .*\\n-->\\n\\n# book-p${index + 1}\\.pdf\\n`,
        ),
      )
    })
  })
})
