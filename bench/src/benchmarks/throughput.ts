/**
 * Throughput of the client machinery: jobs per second on an instant engine at equal concurrency, and the
 * client's CPU per job. The server runs in its own process so that its CPU is not charged to the client.
 *
 * Fairness: baseline (a) reads the job back-to-back here (no 1 s pause between reads). With its pause it
 * could not beat concurrency ÷ 1 s, which would measure the pause, not the machinery.
 */
import { convertWithFetchPolling } from '../../baselines/fetch-polling.ts'
import { convertLikeNuMindSdk } from '../../baselines/sdk-sse.ts'
import { benchDirectory, writeSmallDocuments } from '../internal/files.ts'
import { loadCore } from '../internal/packages.ts'
import { runPool } from '../internal/pool.ts'
import { processCpuMs } from '../internal/process-cpu.ts'
import { startServerProcess } from '../internal/servers.ts'
import { round } from '../internal/stats.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

const concurrency = 16
const targetRatio = 3

interface Measured {
  jobsPerSecond: number
  cpuMsPerJob: number
  serverCpuMsPerJob: number
}

async function measure(
  jobs: number,
  serverPid: number,
  convert: (index: number) => Promise<unknown>,
): Promise<Measured> {
  // No forced gc() here: a forced collection throws away the JIT's work and slows the next round down.
  const cpuBefore = process.cpuUsage()
  const serverCpuBefore = processCpuMs(serverPid)
  const started = performance.now()
  await runPool(jobs, concurrency, convert)
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  return {
    jobsPerSecond: jobs / seconds,
    cpuMsPerJob: (cpu.user + cpu.system) / 1000 / jobs,
    serverCpuMsPerJob: (processCpuMs(serverPid) - serverCpuBefore) / jobs,
  }
}

const benchmark: Benchmark = {
  name: 'throughput',
  description: `jobs/s of the client on an instant engine, ${concurrency} in flight`,
  async run({ quick }) {
    const { NuMarkdownClient } = await loadCore()
    const jobs = quick ? 64 : 1500
    const rounds = quick ? 2 : 3
    const warmUpJobs = quick ? 0 : 250
    const directory = await benchDirectory('throughput')
    const server = await startServerProcess({ latencyMs: 0, concurrency: 64 })
    const options = { apiKey: server.token, baseUrl: server.url }
    const sseClient = new NuMarkdownClient({ ...options, waitStrategy: 'sse', concurrency })
    try {
      const paths = await writeSmallDocuments(directory.path, 64)
      const path = (index: number) => paths[index % paths.length]!
      const clients = {
        core: (index: number) => sseClient.convert(path(index)),
        a: (index: number) => convertWithFetchPolling(path(index), { ...options, pollIntervalMs: 0 }),
        b: (index: number) => convertLikeNuMindSdk(path(index), options),
      }
      // Warm-up (the JIT halves the CPU per job over the first few hundred), then alternating rounds so that
      // a burst of load elsewhere hits every client alike.
      if (warmUpJobs > 0)
        for (const convert of Object.values(clients)) await measure(warmUpJobs, server.pid, convert)
      const results: Record<keyof typeof clients, Measured[]> = { core: [], a: [], b: [] }
      for (let turn = 0; turn < rounds; turn++) {
        for (const [name, convert] of Object.entries(clients)) {
          results[name as keyof typeof clients].push(
            await measure(Math.ceil(jobs / rounds), server.pid, convert),
          )
        }
      }
      const best = (name: keyof typeof clients): Measured => {
        const rounds = results[name]
        return {
          jobsPerSecond: Math.max(...rounds.map((measured) => measured.jobsPerSecond)),
          cpuMsPerJob: Math.min(...rounds.map((measured) => measured.cpuMsPerJob)),
          serverCpuMsPerJob: Math.min(...rounds.map((measured) => measured.serverCpuMsPerJob)),
        }
      }
      const core = best('core')
      const a = best('a')
      const b = best('b')
      const names = { a: '(a) fetch + back-to-back polling', b: '(b) SDK-style POST + SSE' }
      const rows: BenchmarkRow[] = [
        {
          metric: 'jobs/s, core SSE',
          ours: core.jobsPerSecond,
          baseline: a.jobsPerSecond,
          baselineName: names.a,
          unit: 'jobs/s',
          target: `≥ ${targetRatio}× baseline`,
          pass: core.jobsPerSecond >= targetRatio * a.jobsPerSecond,
        },
        {
          metric: 'jobs/s, core SSE',
          ours: core.jobsPerSecond,
          baseline: b.jobsPerSecond,
          baselineName: names.b,
          unit: 'jobs/s',
        },
        {
          metric: 'client CPU per job',
          ours: core.cpuMsPerJob,
          baseline: a.cpuMsPerJob,
          baselineName: names.a,
          unit: 'ms',
        },
        {
          metric: 'client CPU per job',
          ours: core.cpuMsPerJob,
          baseline: b.cpuMsPerJob,
          baselineName: names.b,
          unit: 'ms',
        },
      ]
      return {
        name: 'throughput',
        rows,
        notes: [
          `${jobs} conversions of 2 KiB markdown files per client after ${warmUpJobs} to warm up ` +
            `(${rounds} alternating rounds, best kept), ` +
            `${concurrency} in flight, engine latency 0, server in its own process.`,
          'baseline (a) reads the job back-to-back instead of every second here, so that it measures the ' +
            `machinery; with the 1 s pause it would be capped near ${concurrency} jobs/s.`,
          `server CPU per job: core ${round(core.serverCpuMsPerJob)} ms, (a) ${round(a.serverCpuMsPerJob)} ms, ` +
            `(b) ${round(b.serverCpuMsPerJob)} ms. On 2 cores the server process takes one, so jobs/s is bounded ` +
            'near 1000 ÷ server CPU per job for every client; client CPU per job is the cost of the machinery.',
        ],
      }
    } finally {
      await sseClient.close().catch(() => {})
      await server.close()
      await directory.remove()
    }
  },
}

export default benchmark
