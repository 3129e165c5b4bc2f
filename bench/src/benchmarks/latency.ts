/**
 * Result latency over engine time: how long after the engine finishes does the caller hold the markdown?
 * One small document at a time on a scripted engine with a fixed latency, the four clients interleaved
 * round by round so that machine load hits them alike. The server runs in its own process.
 */
import { convertWithFetchPolling } from '../../baselines/fetch-polling.ts'
import { convertLikeNuMindSdk } from '../../baselines/sdk-sse.ts'
import { benchDirectory, writeSmallDocuments } from '../internal/files.ts'
import { loadCore } from '../internal/packages.ts'
import { startServerProcess } from '../internal/servers.ts'
import { percentile, round } from '../internal/stats.ts'

const median = (values: number[]) => (values.length === 0 ? Number.NaN : round(percentile(values, 50)))

import type { Benchmark, BenchmarkRow } from '../report.ts'

const engineLatencyMs = 200
const targetOverMs = 5

const benchmark: Benchmark = {
  name: 'latency',
  description: `result latency over engine time (scripted engine, ${engineLatencyMs} ms per document)`,
  async run({ quick }) {
    const { NuMarkdownClient } = await loadCore()
    const rounds = quick ? 1 : 25
    const directory = await benchDirectory('latency')
    const server = await startServerProcess({ latencyMs: engineLatencyMs })
    const options = { apiKey: server.token, baseUrl: server.url }
    const sseClient = new NuMarkdownClient({ ...options, waitStrategy: 'sse' })
    const pollClient = new NuMarkdownClient({ ...options, waitStrategy: 'poll' })
    try {
      const [path] = await writeSmallDocuments(directory.path, 1)
      // Where the SSE client's time goes, from its progress events and the server's job timestamps.
      const breakdown = { upload: [] as number[], queued: [] as number[], delivery: [] as number[] }
      const sseConvert = async () => {
        const started = performance.now()
        const result = await sseClient.convert(path!, {
          onProgress: (event) => {
            if (event.type === 'submitted') breakdown.upload.push(performance.now() - started)
          },
        })
        const received = Date.now()
        const { createdAt, startedAt, completedAt } = result.job
        breakdown.queued.push(Date.parse(startedAt) - Date.parse(createdAt))
        if (completedAt) breakdown.delivery.push(received - Date.parse(completedAt))
        return result
      }
      const clients = {
        sse: sseConvert,
        poll: () => pollClient.convert(path!),
        a: () => convertWithFetchPolling(path!, options),
        b: () => convertLikeNuMindSdk(path!, options),
      }
      const over: Record<keyof typeof clients, number[]> = { sse: [], poll: [], a: [], b: [] }
      const names = Object.keys(clients) as Array<keyof typeof clients>
      // One warm-up each: connection set-up and JIT are not what is measured.
      if (!quick) for (const name of names) await clients[name]()
      for (const samples of Object.values(breakdown)) samples.length = 0
      for (let round = 0; round < rounds; round++) {
        for (const name of names) {
          const started = performance.now()
          await clients[name]()
          over[name].push(performance.now() - started - engineLatencyMs)
        }
      }

      const rows: BenchmarkRow[] = []
      const add = (metric: string, ours: 'sse' | 'poll', baseline: 'a' | 'b', p: number) => {
        const value = percentile(over[ours], p)
        const row: BenchmarkRow = {
          metric,
          ours: value,
          baseline: percentile(over[baseline], p),
          baselineName: baseline === 'a' ? '(a) fetch + 1 s polling' : '(b) SDK-style POST + SSE',
          unit: 'ms',
        }
        if (ours === 'sse' && p === 50)
          Object.assign(row, { target: `≤ ${targetOverMs} ms`, pass: value <= targetOverMs })
        rows.push(row)
      }
      add('p50 over engine, core SSE', 'sse', 'a', 50)
      add('p95 over engine, core SSE', 'sse', 'a', 95)
      add('p50 over engine, core SSE', 'sse', 'b', 50)
      add('p95 over engine, core SSE', 'sse', 'b', 95)
      add('p50 over engine, core polling', 'poll', 'a', 50)
      add('p95 over engine, core polling', 'poll', 'a', 95)
      return {
        name: 'latency',
        rows,
        notes: [
          `${rounds} conversions per client of one 2 KiB markdown file, one at a time, clients interleaved; ` +
            `server in its own process; engine ${engineLatencyMs} ms.`,
          `core SSE p50 breakdown: upload → job ID ${median(breakdown.upload)} ms, job created → engine ` +
            `started ${median(breakdown.queued)} ms, job completed → result in hand ${median(breakdown.delivery)} ` +
            'ms (server timestamps, 1 ms resolution).',
          `core polling uses the client's default schedule; p50 over engine: ` +
            names.map((name) => `${name} ${round(percentile(over[name], 50))} ms`).join(', '),
        ],
      }
    } finally {
      await Promise.allSettled([sseClient.close(), pollClient.close()])
      await server.close()
      await directory.remove()
    }
  },
}

export default benchmark
