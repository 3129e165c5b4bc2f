/**
 * Requests per job, counted in the server's own request log: what each client costs the API (and the
 * user's rate limit) to convert one document. Each client converts the same batch in turn.
 */
import { convertWithFetchPolling } from '../../baselines/fetch-polling.ts'
import { convertLikeNuMindSdk } from '../../baselines/sdk-sse.ts'
import { benchDirectory, writeSmallDocuments } from '../internal/files.ts'
import { loadCore } from '../internal/packages.ts'
import { runPool } from '../internal/pool.ts'
import { startServerProcess } from '../internal/servers.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

const benchmark: Benchmark = {
  name: 'requests-per-job',
  description: 'HTTP requests per converted document, from the server request log',
  async run({ quick }) {
    const { NuMarkdownClient } = await loadCore()
    const engineLatencyMs = quick ? 300 : 2500
    const jobs = quick ? 4 : 16
    const directory = await benchDirectory('requests')
    const server = await startServerProcess({ latencyMs: engineLatencyMs })
    const options = { apiKey: server.token, baseUrl: server.url }
    const sseClient = new NuMarkdownClient({ ...options, waitStrategy: 'sse', concurrency: jobs })
    const pollClient = new NuMarkdownClient({ ...options, waitStrategy: 'poll', concurrency: jobs })
    try {
      const paths = await writeSmallDocuments(directory.path, jobs)
      const clients = {
        sse: (path: string) => sseClient.convert(path),
        poll: (path: string) => pollClient.convert(path),
        a: (path: string) => convertWithFetchPolling(path, options),
        b: (path: string) => convertLikeNuMindSdk(path, options),
      }
      const perJob: Record<string, number> = {}
      for (const [name, convert] of Object.entries(clients)) {
        const before = (await server.requests()).length
        await runPool(jobs, jobs, (index) => convert(paths[index]!))
        perJob[name] = ((await server.requests()).length - before) / jobs
      }
      const row = (metric: string, ours: string, baseline: 'a' | 'b', target?: number): BenchmarkRow => ({
        metric,
        ours: perJob[ours]!,
        baseline: perJob[baseline]!,
        baselineName: baseline === 'a' ? '(a) fetch + 1 s polling' : '(b) SDK-style POST + SSE',
        unit: 'req',
        ...(target === undefined ? {} : { target: `${target}`, pass: perJob[ours]! <= target }),
      })
      return {
        name: 'requests-per-job',
        rows: [
          row('requests per job, core SSE', 'sse', 'a', 2),
          row('requests per job, core SSE', 'sse', 'b'),
          row('requests per job, core polling', 'poll', 'a'),
        ],
        notes: [
          `${jobs} documents converted at once per client, engine ${engineLatencyMs} ms per document; every ` +
            'request in the server log while a client ran counts (uploads, reads, streams, retries).',
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
