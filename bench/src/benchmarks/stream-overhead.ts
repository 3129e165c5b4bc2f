/**
 * What the stream adapters cost over calling `client.convert()` directly: many small documents on an instant
 * engine (so that the machinery is all there is to measure), the same client and the same concurrency for
 * every method, methods taking turns round by round.
 */
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { benchDirectory, writeSmallDocuments } from '../internal/files.ts'
import { loadCore, loadStream } from '../internal/packages.ts'
import { runPool } from '../internal/pool.ts'
import { startServerProcess } from '../internal/servers.ts'
import { round } from '../internal/stats.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

const concurrency = 8
const targetRatio = 1.05

/** Discards what it is given; fails on a failed item of `convertMany`. */
function sink(objectMode: boolean): Writable {
  return new Writable({
    objectMode,
    write(chunk: { ok?: boolean; error?: unknown }, _encoding, callback) {
      callback(objectMode && chunk.ok === false ? (chunk.error as Error) : null)
    },
  })
}

const benchmark: Benchmark = {
  name: 'stream-overhead',
  description: `@numarkdown/stream vs direct convert(), small documents, ${concurrency} in flight`,
  async run({ quick }) {
    const { NuMarkdownClient } = await loadCore()
    const { convertMany, toMarkdown } = await loadStream()
    const documents = quick ? 50 : 1000
    const rounds = quick ? 1 : 4
    const perRound = Math.ceil(documents / rounds)
    const directory = await benchDirectory('stream')
    const server = await startServerProcess({ latencyMs: 0, concurrency: 64 })
    const client = new NuMarkdownClient({ apiKey: server.token, baseUrl: server.url, concurrency })
    try {
      const paths = await writeSmallDocuments(directory.path, perRound)
      const methods = {
        directPath: (count: number) => runPool(count, concurrency, (index) => client.convert(paths[index]!)),
        directBytes: (count: number) =>
          runPool(count, concurrency, async (index) =>
            client.convert({ data: await readFile(paths[index]!), filename: basename(paths[index]!) }),
          ),
        convertMany: (count: number) =>
          pipeline(Readable.from(paths.slice(0, count)), convertMany({ client, concurrency }), sink(true)),
        toMarkdown: (count: number) =>
          runPool(count, concurrency, (index) =>
            pipeline(
              createReadStream(paths[index]!),
              toMarkdown({ client, filename: basename(paths[index]!) }),
              sink(false),
            ),
          ),
      }
      type Method = keyof typeof methods
      const names = Object.keys(methods) as Method[]
      const totals: Record<Method, number> = { directPath: 0, directBytes: 0, convertMany: 0, toMarkdown: 0 }
      const cpuTotals: Record<Method, number> = {
        directPath: 0,
        directBytes: 0,
        convertMany: 0,
        toMarkdown: 0,
      }
      // Warm-up, so that the JIT has seen every path before the clock runs.
      for (const name of names) await methods[name](Math.min(perRound, quick ? 8 : 100))
      for (let turn = 0; turn < rounds; turn++) {
        // Rotate who goes first, so that a burst of load elsewhere does not always hit the same method.
        for (const name of [...names.slice(turn % names.length), ...names.slice(0, turn % names.length)]) {
          globalThis.gc?.()
          const cpuBefore = process.cpuUsage()
          const started = performance.now()
          await methods[name](perRound)
          totals[name] += performance.now() - started
          const cpu = process.cpuUsage(cpuBefore)
          cpuTotals[name] += (cpu.user + cpu.system) / 1000
        }
      }
      const row = (
        name: 'convertMany' | 'toMarkdown',
        direct: 'directPath' | 'directBytes',
        metric: string,
      ) =>
        ({
          metric,
          ours: totals[name],
          baseline: totals[direct],
          baselineName: direct === 'directPath' ? 'convert(path)' : 'convert(bytes)',
          unit: 'ms',
          target: `≤ ${targetRatio}× baseline`,
          pass: totals[name] <= targetRatio * totals[direct],
        }) satisfies BenchmarkRow
      const documentsPerMethod = rounds * perRound
      const cpuRow = (
        name: 'convertMany' | 'toMarkdown',
        direct: 'directPath' | 'directBytes',
      ): BenchmarkRow => ({
        metric: `client CPU per document, ${name}`,
        ours: cpuTotals[name] / documentsPerMethod,
        baseline: cpuTotals[direct] / documentsPerMethod,
        baselineName: direct === 'directPath' ? 'convert(path)' : 'convert(bytes)',
        unit: 'ms',
      })
      const overhead = (name: Method, direct: Method) =>
        `${name} ${round((totals[name] / totals[direct] - 1) * 100)}%`
      return {
        name: 'stream-overhead',
        rows: [
          row('convertMany', 'directPath', `wall time, ${rounds * perRound} paths via convertMany`),
          row('toMarkdown', 'directBytes', `wall time, ${rounds * perRound} files via toMarkdown pipelines`),
          cpuRow('convertMany', 'directPath'),
          cpuRow('toMarkdown', 'directBytes'),
        ],
        notes: [
          `${rounds} rounds of ${perRound} 2 KiB markdown files per method, one client with concurrency ` +
            `${concurrency}, engine latency 0, server in its own process. Each adapter is compared with the ` +
            'core call it makes, in a pool of the same size: convertMany of paths with convert(path); ' +
            'fs.createReadStream → toMarkdown with readFile + convert(bytes).',
          `overhead: ${overhead('convertMany', 'directPath')} over convert(path), ` +
            `${overhead('toMarkdown', 'directBytes')} over convert(bytes)`,
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
