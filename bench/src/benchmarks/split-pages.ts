/**
 * Page splitting: a 20-page PDF on an engine that takes a fixed time per page. Whole-document conversion
 * waits for every page in turn; `splitPages` converts the pages as separate jobs, `concurrency` at a time,
 * so its wall time should approach ⌈pages / concurrency⌉ × page latency.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { benchDirectory } from '../internal/files.ts'
import { loadCore } from '../internal/packages.ts'
import { makePdf } from '../internal/pdf.ts'
import { startServerProcess } from '../internal/servers.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

const pages = 20
const concurrencies = [4, 8]

const benchmark: Benchmark = {
  name: 'split-pages',
  description: `a ${pages}-page PDF, splitPages vs whole-document, per-page engine latency`,
  async run({ quick }) {
    const { NuMarkdownClient } = await loadCore()
    const pageLatencyMs = quick ? 20 : 400
    const directory = await benchDirectory('split')
    const server = await startServerProcess({ perPageLatencyMs: pageLatencyMs, concurrency: 64 })
    const clients = concurrencies.map(
      (concurrency) => new NuMarkdownClient({ apiKey: server.token, baseUrl: server.url, concurrency }),
    )
    try {
      const path = join(directory.path, 'twenty-pages.pdf')
      await writeFile(path, await makePdf(Array.from({ length: pages }, (_, index) => `Page ${index + 1}`)))
      const timed = async (convert: () => Promise<{ pages?: unknown[] }>, expectedPages?: number) => {
        const started = performance.now()
        const result = await convert()
        const elapsed = performance.now() - started
        if (expectedPages !== undefined && result.pages?.length !== expectedPages) {
          throw new Error(`splitPages returned ${result.pages?.length} pages, expected ${expectedPages}`)
        }
        return elapsed
      }
      // Warm-up: the first split loads and compiles the PDF code paths, which is not what is measured.
      const warmUpPath = join(directory.path, 'warm-up.pdf')
      await writeFile(warmUpPath, await makePdf(['Warm-up 1', 'Warm-up 2']))
      for (const client of clients) await client.convert(warmUpPath, { splitPages: true })
      const wholeMs = await timed(() => clients[0]!.convert(path))
      const rows: BenchmarkRow[] = []
      for (const [index, concurrency] of concurrencies.entries()) {
        const splitMs = await timed(() => clients[index]!.convert(path, { splitPages: true }), pages)
        const targetMs = 1.2 * Math.ceil(pages / concurrency) * pageLatencyMs
        rows.push({
          metric: `wall time, splitPages at concurrency ${concurrency}`,
          ours: splitMs,
          baseline: wholeMs,
          baselineName: 'core, whole document',
          unit: 'ms',
          target: `≤ ${Math.round(targetMs)} ms`,
          pass: splitMs <= targetMs,
        })
      }
      return {
        name: 'split-pages',
        rows,
        notes: [
          `engine: ${pageLatencyMs} ms per page, server concurrency 64 (in its own process); ` +
            'target = 1.2 × ⌈pages / concurrency⌉ × page latency.',
        ],
      }
    } finally {
      await Promise.allSettled(clients.map((client) => client.close()))
      await server.close()
      await directory.remove()
    }
  },
}

export default benchmark
