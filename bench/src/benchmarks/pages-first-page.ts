/**
 * Page streaming's point is the wait for the first page: a 20-page PDF at a fixed engine time per page, read
 * through `convertPages()` (time to its first page, and to its last) against `convert({ splitPages: true })`,
 * which hands back the whole document at once, measured in the same rounds, taking turns. Streaming must bring
 * the first page in about one page's time without making the whole document any slower.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { benchDirectory } from '../internal/files.ts'
import { loadCore } from '../internal/packages.ts'
import { makePdf } from '../internal/pdf.ts'
import { startServerProcess } from '../internal/servers.ts'
import { showSpread, spreadKinds, spreadOf } from '../internal/spread.ts'
import { median } from '../internal/stats.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

const pages = 20
const concurrency = 8
const targets = { firstPageMs: 500, lastPageRatio: 1.05 }

const benchmark: Benchmark = {
  name: 'pages-first-page',
  description: `a ${pages}-page PDF at concurrency ${concurrency}: convertPages' first page vs convert({ splitPages: true })`,
  async run({ quick }) {
    const { NuMarkdownClient } = await loadCore()
    const pageLatencyMs = quick ? 20 : 400
    const rounds = quick ? 2 : 5
    const directory = await benchDirectory('pages-first-page')
    const server = await startServerProcess({ perPageLatencyMs: pageLatencyMs, concurrency: 64 })
    const client = new NuMarkdownClient({ apiKey: server.token, baseUrl: server.url, concurrency })
    try {
      const path = join(directory.path, 'twenty-pages.pdf')
      await writeFile(path, await makePdf(Array.from({ length: pages }, (_, index) => `Page ${index + 1}`)))
      const methods = {
        async streamed() {
          const started = performance.now()
          let firstMs: number | undefined
          let plannedMs: number | undefined
          let delivered = 0
          const onProgress = (event: { type: string }) => {
            if (event.type === 'pages-total') plannedMs = performance.now() - started
          }
          for await (const page of client.convertPages(path, { onProgress })) {
            firstMs ??= performance.now() - started
            delivered++
            if (page.pageNumber !== delivered) {
              throw new Error(`convertPages gave page ${page.pageNumber} where page ${delivered} was due`)
            }
          }
          if (delivered !== pages) throw new Error(`convertPages gave ${delivered} pages, expected ${pages}`)
          return { plannedMs: plannedMs!, firstMs: firstMs!, lastMs: performance.now() - started }
        },
        async whole() {
          const started = performance.now()
          const result = await client.convert(path, { splitPages: true })
          if (result.pages?.length !== pages) {
            throw new Error(`splitPages gave ${result.pages?.length} pages, expected ${pages}`)
          }
          return performance.now() - started
        },
      }
      // Warm-up: the first split loads and compiles pdf-lib and the page paths, which is not what is measured.
      const warmUpPath = join(directory.path, 'warm-up.pdf')
      await writeFile(warmUpPath, await makePdf(['Warm-up 1', 'Warm-up 2']))
      for await (const _page of client.convertPages(warmUpPath)) {
        // nothing: only the first run's loading is wanted
      }
      await client.convert(warmUpPath, { splitPages: true })

      const planned: number[] = []
      const first: number[] = []
      const last: number[] = []
      const whole: number[] = []
      const ratios: number[] = []
      for (let turn = 0; turn < rounds; turn++) {
        // Taking turns, so that neither side always runs on the machine the other one just warmed.
        let measured: { plannedMs: number; firstMs: number; lastMs: number }
        let wholeMs: number
        if (turn % 2 === 0) {
          measured = await methods.streamed()
          wholeMs = await methods.whole()
        } else {
          wholeMs = await methods.whole()
          measured = await methods.streamed()
        }
        planned.push(measured.plannedMs)
        first.push(measured.firstMs)
        last.push(measured.lastMs)
        whole.push(wholeMs)
        ratios.push(measured.lastMs / wholeMs)
      }
      const firstSpread = spreadOf(first)
      const wholeSpread = spreadOf(whole)
      const lastSpread = spreadOf(last)
      const ratio = median(ratios)
      const baselineName = 'convert({ splitPages: true }), whole document'
      const rows: BenchmarkRow[] = [
        ...spreadKinds.map(
          (kind): BenchmarkRow => ({
            metric: `convertPages, time to the first page, ${kind} of ${rounds} rounds`,
            ours: firstSpread[kind],
            baseline: wholeSpread[kind],
            baselineName,
            unit: 'ms',
            ...(kind === 'median'
              ? { target: `≤ ${targets.firstPageMs} ms`, pass: firstSpread.median <= targets.firstPageMs }
              : {}),
          }),
        ),
        ...spreadKinds.map(
          (kind): BenchmarkRow => ({
            metric: `convertPages, time to the last page, ${kind} of ${rounds} rounds`,
            ours: lastSpread[kind],
            baseline: wholeSpread[kind],
            baselineName,
            unit: 'ms',
          }),
        ),
        {
          metric: 'convertPages last page ÷ convert total, median of the per-round ratios',
          ours: ratio,
          unit: '×',
          target: `≤ ${targets.lastPageRatio}×`,
          pass: ratio <= targets.lastPageRatio,
        },
      ]
      return {
        name: 'pages-first-page',
        rows,
        notes: [
          `engine: ${pageLatencyMs} ms per page, server in its own process (64 slots); client concurrency ` +
            `${concurrency}, one page per range; ${rounds} rounds, the two methods taking turns.`,
          `per round, ms (min–median–max): first page ${showSpread(firstSpread)}, last page ` +
            `${showSpread(lastSpread)}, convert({ splitPages: true }) ${showSpread(wholeSpread)}; ` +
            `last page ÷ convert total ${showSpread(spreadOf(ratios))}.`,
          `convertPages, from the call to its plan (the \`pages-total\` event: PDF read and cut), ms: ` +
            `${showSpread(spreadOf(planned))}.`,
        ],
      }
    } finally {
      await client.close().catch(() => {})
      await server.close()
      await directory.remove()
    }
  },
}

export default benchmark
