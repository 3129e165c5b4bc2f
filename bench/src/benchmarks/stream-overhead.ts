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
import { median, round } from '../internal/stats.ts'
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
    const rounds = quick ? 1 : 10
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
      const wall: Record<Method, number[]> = {
        directPath: [],
        directBytes: [],
        convertMany: [],
        toMarkdown: [],
      }
      const cpu: Record<Method, number[]> = {
        directPath: [],
        directBytes: [],
        convertMany: [],
        toMarkdown: [],
      }
      // Warm-up, so that the JIT has seen every path before the clock runs.
      for (const name of names) await methods[name](Math.min(perRound, quick ? 8 : 100))
      for (let turn = 0; turn < rounds; turn++) {
        // Rotate who goes first, so that a burst of load elsewhere does not always hit the same method.
        for (const name of [...names.slice(turn % names.length), ...names.slice(0, turn % names.length)]) {
          // No forced gc() here: a forced collection throws away the JIT's work and triples the CPU of the
          // next few hundred conversions, which would be measured instead of the adapters.
          const cpuBefore = process.cpuUsage()
          const started = performance.now()
          await methods[name](perRound)
          wall[name].push(performance.now() - started)
          const used = process.cpuUsage(cpuBefore)
          cpu[name].push((used.user + used.system) / 1000 / perRound)
        }
      }
      // Medians over short rounds: a burst of load elsewhere spoils a round, not the figure.
      const wallMs = (name: Method) => median(wall[name])
      const cpuMs = (name: Method) => median(cpu[name])
      const baselineName = (direct: 'directPath' | 'directBytes') =>
        direct === 'directPath' ? 'convert(path)' : 'convert(bytes)'
      const row = (
        name: 'convertMany' | 'toMarkdown',
        direct: 'directPath' | 'directBytes',
        metric: string,
      ) =>
        ({
          metric,
          ours: wallMs(name),
          baseline: wallMs(direct),
          baselineName: baselineName(direct),
          unit: 'ms',
          target: `≤ ${targetRatio}× baseline`,
          pass: wallMs(name) <= targetRatio * wallMs(direct),
        }) satisfies BenchmarkRow
      const cpuRow = (
        name: 'convertMany' | 'toMarkdown',
        direct: 'directPath' | 'directBytes',
      ): BenchmarkRow => ({
        metric: `client CPU per document, ${name}`,
        ours: cpuMs(name),
        baseline: cpuMs(direct),
        baselineName: baselineName(direct),
        unit: 'ms',
      })
      const overhead = (name: Method, direct: Method) =>
        `${name} ${round((wallMs(name) / wallMs(direct) - 1) * 100)}%`
      return {
        name: 'stream-overhead',
        rows: [
          row('convertMany', 'directPath', `wall time per ${perRound} paths via convertMany (median round)`),
          row('toMarkdown', 'directBytes', `wall time per ${perRound} files via toMarkdown (median round)`),
          cpuRow('convertMany', 'directPath'),
          cpuRow('toMarkdown', 'directBytes'),
        ],
        notes: [
          `${rounds} rounds of ${perRound} 2 KiB markdown files per method (${rounds * perRound} each), one ` +
            `client with concurrency ${concurrency}, engine latency 0, server in its own process; medians of ` +
            'the rounds. Each adapter is compared with the core call it makes, in a pool of the same size: ' +
            'convertMany of paths with convert(path); fs.createReadStream → toMarkdown with readFile + ' +
            'convert(bytes).',
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
