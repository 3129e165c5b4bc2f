/**
 * What a client holds while it streams a long document page by page: a 500-page PDF whose markdown is large
 * (50 KiB a page, 25 MiB in all) read through `convertPages()`, each page let go once counted, against
 * `convert({ splitPages: true })`, which must hold the whole document's markdown, in the same run. Each case runs
 * alone in its own process (`src/internal/pages-memory-child.ts`); the server runs in a third. Streaming should
 * hold the pages in flight, not the document. What the client holds whatever the markdown (the parsed PDF it
 * cuts ranges from, code compiled on the way) is measured by streaming the same document with pages of one
 * byte, in the same run, so that the markdown's share can be set against the pages in flight.
 */

import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchDirectory } from '../internal/files.ts'
import { residentGrowthMiB, runMeasuringChild } from '../internal/measuring-child.ts'
import { loadCore } from '../internal/packages.ts'
import type { LiveMemory, PagesMemoryCase, PagesMemoryChildResult } from '../internal/pages-memory-child.ts'
import { makePdf } from '../internal/pdf.ts'
import { startServerProcess } from '../internal/servers.ts'
import { round } from '../internal/stats.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

const MiB = 1024 ** 2
const KiB = 1024
const markdownBytesPerPage = 50 * KiB
const concurrency = 8
const childPath = fileURLToPath(new URL('../internal/pages-memory-child.ts', import.meta.url))

function runCase(
  memoryCase: PagesMemoryCase,
  path: string,
  server: { url: string; token: string },
): Promise<PagesMemoryChildResult> {
  return runMeasuringChild(childPath, [memoryCase, path, server.url, String(concurrency)], {
    apiKey: server.token,
    label: `pages-memory case ${memoryCase}`,
  })
}

/** The largest growth of one kind of live memory over the checkpoints, in MiB. */
const liveGrowth = (result: PagesMemoryChildResult, kind: keyof LiveMemory) =>
  Math.max(...result.checkpoints.map((memory) => memory[kind] - result.liveBefore[kind])) / MiB

const benchmark: Benchmark = {
  name: 'pages-memory',
  description: 'memory while streaming a long PDF through convertPages() vs convert({ splitPages: true })',
  async run({ quick }) {
    await loadCore()
    const pages = quick ? 40 : 500
    const pageLatencyMs = 5
    const directory = await benchDirectory('pages-memory')
    const server = await startServerProcess({
      perPageLatencyMs: pageLatencyMs,
      markdownBytesPerPage,
      concurrency: 64,
    })
    try {
      const path = join(directory.path, 'long.pdf')
      await writeFile(path, await makePdf(Array.from({ length: pages }, (_, index) => `Page ${index + 1}`)))
      const streamed = await runCase('streamed', path, server)
      const whole = await runCase('whole', path, server)
      const floorServer = await startServerProcess({
        perPageLatencyMs: pageLatencyMs,
        markdownBytesPerPage: 1,
        concurrency: 64,
      })
      const floor = await runCase('streamed', path, floorServer).finally(() => floorServer.close())
      if (floor.pages !== pages) throw new Error(`1-byte pages gave ${floor.pages} pages, expected ${pages}`)
      for (const result of [streamed, whole]) {
        // convert() puts a blank line between pages.
        const expected = pages * markdownBytesPerPage + (result.case === 'whole' ? 2 * (pages - 1) : 0)
        if (result.pages !== pages || result.markdownBytes !== expected) {
          throw new Error(
            `${result.case} gave ${result.pages} pages and ${result.markdownBytes} bytes of markdown, ` +
              `expected ${pages} and ${expected}`,
          )
        }
      }
      const documentMiB = (pages * markdownBytesPerPage) / MiB
      // In flight: a window of up to twice the concurrency in ranges (converting, or done ahead of the page being
      // delivered), each held about twice (the job's JSON and its markdown).
      const targetMiB = (2 * concurrency * 2 * markdownBytesPerPage) / MiB
      const heap = {
        streamed: liveGrowth(streamed, 'heapBytes'),
        whole: liveGrowth(whole, 'heapBytes'),
        floor: liveGrowth(floor, 'heapBytes'),
      }
      const baselineName = 'convert({ splitPages: true }), whole document'
      const rows: BenchmarkRow[] = [
        {
          metric: 'peak JS heap growth after a full GC (where the markdown lives)',
          ours: heap.streamed,
          baseline: heap.whole,
          baselineName,
          unit: 'MiB',
        },
        {
          metric: 'of it, held whatever the markdown: the same document streamed with 1-byte pages',
          ours: heap.floor,
          unit: 'MiB',
        },
        {
          metric: "the markdown's share: peak JS heap growth minus the 1-byte pages' one",
          ours: heap.streamed - heap.floor,
          baseline: heap.whole - heap.floor,
          baselineName,
          unit: 'MiB',
          target: `≤ ${round(targetMiB)} MiB (in flight)`,
          pass: heap.streamed - heap.floor <= targetMiB,
        },
        {
          metric: "peak JS heap growth ÷ the document's markdown",
          ours: heap.streamed / documentMiB,
          baseline: heap.whole / documentMiB,
          baselineName,
          unit: '×',
        },
        {
          metric: 'peak external memory growth after a full GC (buffers)',
          ours: liveGrowth(streamed, 'externalBytes'),
          baseline: liveGrowth(whole, 'externalBytes'),
          baselineName,
          unit: 'MiB',
        },
        {
          metric: 'peak RSS growth',
          ours: residentGrowthMiB(streamed),
          baseline: residentGrowthMiB(whole),
          baselineName,
          unit: 'MiB',
        },
      ]
      const seconds = (result: PagesMemoryChildResult) => round(result.durationMs / 1000)
      const curve = (result: PagesMemoryChildResult) =>
        result.checkpoints
          .map((memory) => round((memory.heapBytes - result.liveBefore.heapBytes) / MiB))
          .join(' ')
      return {
        name: 'pages-memory',
        rows,
        notes: [
          `${pages} pages, ${markdownBytesPerPage / KiB} KiB of markdown each (${round(documentMiB)} MiB in all), ` +
            `engine ${pageLatencyMs} ms per page, client concurrency ${concurrency}; each case alone in its own ` +
            'process after a warm-up, the server in a third.',
          'live memory: heap used and external after a full GC, before and every 20 finished pages and at the end; ' +
            `target = 2 × concurrency ranges × 2 × markdown per page (${round(targetMiB)} MiB).`,
          `JS heap growth at each checkpoint, MiB: streamed ${curve(streamed)}; whole ${curve(whole)}; ` +
            `1-byte pages ${curve(floor)}.`,
          `time: streamed ${seconds(streamed)} s, whole ${seconds(whole)} s, 1-byte pages ${seconds(floor)} s.`,
        ],
      }
    } finally {
      await server.close()
      await directory.remove()
    }
  },
}

export default benchmark
