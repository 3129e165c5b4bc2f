/**
 * A page-by-page conversion survives `kill -9`: a child process reads a 20-page PDF through `convertPages()`,
 * saving the conversion's handle after every `submitted` and `page-done` event, and is killed with SIGKILL once
 * half the pages are delivered; a second process resumes from the saved handle. The server (in its own process)
 * counts the jobs it received in the second run: exactly the ranges that never got a job, none for a range that
 * was finished or still converting. The baseline is a restart without the handle, which converts every page.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { PagesHandle } from '@numarkdown/core'
import { benchDirectory } from '../internal/files.ts'
import { loadCore } from '../internal/packages.ts'
import type { PagesResumeChildLine } from '../internal/pages-resume-child.ts'
import { makePdf } from '../internal/pdf.ts'
import { startServerProcess } from '../internal/servers.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

const pages = 20
const childPath = fileURLToPath(new URL('../internal/pages-resume-child.ts', import.meta.url))

interface ChildRun {
  lines: PagesResumeChildLine[]
  code: number | null
  signal: NodeJS.Signals | null
}

/** Runs the child; `onLine` sees each line as it comes and may kill the child. */
async function runChild(
  args: { path: string; baseUrl: string; token: string; handlePath: string; mode: 'fresh' | 'resume' },
  onLine: (line: PagesResumeChildLine, child: ChildProcess) => void = () => {},
): Promise<ChildRun> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', childPath, args.path, args.baseUrl, args.handlePath, args.mode],
    { env: { ...process.env, NUMIND_API_KEY: args.token }, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  const lines: PagesResumeChildLine[] = []
  // Lines written before a SIGKILL are still in the pipe: reading to its end sees all of them.
  for await (const text of createInterface({ input: child.stdout!, crlfDelay: Infinity })) {
    if (text.trim() === '') continue
    const line = JSON.parse(text) as PagesResumeChildLine
    lines.push(line)
    onLine(line, child)
  }
  const [code, signal] = await exited
  return { lines, code, signal }
}

const benchmark: Benchmark = {
  name: 'pages-resume',
  description: `a ${pages}-page PDF through convertPages(), kill -9 halfway, resumed from its saved handle`,
  async run({ quick }) {
    await loadCore()
    const pageLatencyMs = quick ? 100 : 400
    const directory = await benchDirectory('pages-resume')
    const server = await startServerProcess({ perPageLatencyMs: pageLatencyMs, concurrency: 64 })
    const submits = async () =>
      (await server.requests()).filter((entry) => entry.route === 'submit' && entry.status === 200).length
    try {
      const path = join(directory.path, 'twenty-pages.pdf')
      const handlePath = join(directory.path, 'handle.json')
      await writeFile(path, await makePdf(Array.from({ length: pages }, (_, index) => `Page ${index + 1}`)))
      const child = { path, baseUrl: server.url, token: server.token, handlePath }

      // Run 1, killed once half the pages are delivered.
      let delivered = 0
      const first = await runChild({ ...child, mode: 'fresh' }, (line, process) => {
        if (line.type === 'delivered' && ++delivered === pages / 2) process.kill('SIGKILL')
      })
      if (first.signal !== 'SIGKILL') {
        throw new Error(
          `the first run was to be killed halfway, but it ended with ${first.signal ?? first.code}`,
        )
      }
      const jobsFirst = await submits()
      const handle = JSON.parse(await readFile(handlePath, 'utf8')) as PagesHandle
      const done = new Set(
        first.lines.flatMap((line) =>
          line.type === 'page-done' && line.outcome === 'converted' ? [line.pageNumber] : [],
        ),
      )
      const finished = handle.ranges.filter(
        (range) => range.jobId !== undefined && done.has(range.pageNumber),
      )
      const inFlight = handle.ranges.filter(
        (range) => range.jobId !== undefined && !done.has(range.pageNumber),
      )
      const neverSubmitted = handle.ranges.filter((range) => range.jobId === undefined)

      // Run 2, from the handle.
      const second = await runChild({ ...child, mode: 'resume' })
      if (second.code !== 0) throw new Error(`the resumed run exited with ${second.signal ?? second.code}`)
      const jobsSecond = (await submits()) - jobsFirst
      const deliveredPages = second.lines.flatMap((line) => (line.type === 'delivered' ? [line] : []))
      const inOrder = deliveredPages.every((line, index) => line.pageNumber === index + 1)
      if (
        deliveredPages.length !== pages ||
        !inOrder ||
        deliveredPages.some((line) => line.markdownBytes === 0)
      ) {
        throw new Error(
          `the resumed run delivered pages ${deliveredPages.map((line) => line.pageNumber).join(',')}, ` +
            `expected 1 to ${pages} in order, each with markdown`,
        )
      }
      if (second.lines.some((line) => line.type === 'submitted' && line.pageNumber === undefined)) {
        throw new Error(
          'a submitted event of the resumed run did not name its pages: resubmits cannot be told',
        )
      }
      const finishedPages = new Set(finished.map((range) => range.pageNumber))
      const resubmittedFinished = second.lines.filter(
        (line) =>
          line.type === 'submitted' && line.pageNumber !== undefined && finishedPages.has(line.pageNumber),
      ).length
      const expected = neverSubmitted.length
      const unsaved = jobsFirst - finished.length - inFlight.length
      const withoutHandle = 'a restart without the handle (every page again)'
      const rows: BenchmarkRow[] = [
        {
          metric: 'jobs the server received in the resumed run',
          ours: jobsSecond,
          baseline: pages,
          baselineName: withoutHandle,
          unit: 'jobs',
          target: `= ${expected}, the unfinished ranges without a job`,
          pass: jobsSecond === expected,
        },
        {
          metric: 'jobs submitted again for ranges finished before the kill',
          ours: resubmittedFinished,
          baseline: finished.length,
          baselineName: withoutHandle,
          unit: 'jobs',
          target: '0',
          pass: resubmittedFinished === 0,
        },
        { metric: 'ranges finished at the kill', ours: finished.length, unit: 'ranges' },
        { metric: 'ranges with a job still converting at the kill', ours: inFlight.length, unit: 'ranges' },
        { metric: 'ranges never submitted at the kill', ours: neverSubmitted.length, unit: 'ranges' },
      ]
      return {
        name: 'pages-resume',
        rows,
        notes: [
          `engine: ${pageLatencyMs} ms per page, server in its own process; the client (its own process) at ` +
            'concurrency 4, one page per range, writes the handle after every submitted and page-done event ' +
            `(temporary file + rename) and is killed with SIGKILL at the ${pages / 2}th page delivered.`,
          `jobs: ${jobsFirst} in the killed run, ${jobsSecond} in the resumed one, which delivered all ${pages} ` +
            'pages in order; jobs counted in the server’s request log (successful submits).',
          `jobs of the killed run missing from its last saved handle: ${unsaved} (accepted by the server after ` +
            'the handle was last written, or whose answer the process did not live to read; the resumed run ' +
            'cannot know them and submits their ranges again).',
        ],
      }
    } finally {
      await server.close()
      await directory.remove()
    }
  },
}

export default benchmark
