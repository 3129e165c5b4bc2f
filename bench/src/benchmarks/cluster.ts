/**
 * Cluster mode against one server: the same scripted engine latency and the same engine slots (one worker at
 * concurrency 8 vs one in-process server at concurrency 8), clients spread over two API replicas vs one server.
 * Every node runs as `numarkdown-server` in its own process, so both sides pay for processes alike; the cluster also
 * pays for Redis (its records, the queue, pub/sub). Reports jobs/s and the p50 time from submit to result in hand.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchDirectory, writeSmallDocuments } from '../internal/files.ts'
import { loadCore, loadServer } from '../internal/packages.ts'
import { runPool } from '../internal/pool.ts'
import { startBenchRedis } from '../internal/redis-server.ts'
import { percentile, round } from '../internal/stats.ts'
import type { Benchmark } from '../report.ts'

const engineLatencyMs = 200
const engineSlots = 8
const inFlight = 16

interface NodeProcess {
  url?: string
  stop(): Promise<void>
}

function serverBin(): string {
  return join(dirname(fileURLToPath(import.meta.resolve('@numarkdown/server'))), 'cli.js')
}

function launch(args: string[], ready: RegExp): Promise<NodeProcess> {
  const child: ChildProcess = spawn(process.execPath, [serverBin(), '--quiet', ...args], {
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const found = ready.exec(output)
      if (found && output.includes('Ctrl+C')) {
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        child.stderr?.resume()
        resolve({ ...(found[1] ? { url: found[1] } : {}), stop })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) =>
      reject(new Error(`numarkdown-server exited with ${code}: ${output.slice(-500)}`)),
    )
  })
}

interface Measured {
  jobsPerSecond: number
  p50Ms: number
  p95Ms: number
}

async function measure(jobs: number, urls: string[], token: string, paths: string[]): Promise<Measured> {
  const { NuMarkdownClient } = await loadCore()
  const clients = urls.map(
    (baseUrl) => new NuMarkdownClient({ apiKey: token, baseUrl, concurrency: inFlight }),
  )
  const times: number[] = []
  try {
    const started = performance.now()
    await runPool(jobs, inFlight, async (index) => {
      const begun = performance.now()
      await clients[index % clients.length]!.convert(paths[index % paths.length]!)
      times.push(performance.now() - begun)
    })
    const seconds = (performance.now() - started) / 1000
    return { jobsPerSecond: jobs / seconds, p50Ms: percentile(times, 50), p95Ms: percentile(times, 95) }
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()))
  }
}

const benchmark: Benchmark = {
  name: 'cluster',
  description: `two API replicas + one worker on Redis vs one server (engine ${engineLatencyMs} ms, ${engineSlots} slots)`,
  async run({ quick }) {
    await loadServer()
    await loadCore()
    const jobs = quick ? 24 : 400
    const token = randomUUID()
    const directory = await benchDirectory('cluster')
    const redis = await startBenchRedis()
    const started: NodeProcess[] = []
    try {
      const paths = await writeSmallDocuments(directory.path, 16)
      const engine = ['--engine', 'scripted', '--scripted-latency-ms', String(engineLatencyMs)]
      const common = ['--token', token, '--port', '0', '--upload-dir', directory.path]
      const single = await launch(
        [...engine, ...common, '--concurrency', String(engineSlots)],
        /listening on (\S+)/,
      )
      started.push(single)
      const cluster = ['--redis', redis.url, '--upload-dir', directory.path]
      const replicas = [
        await launch(['--role', 'api', '--token', token, '--port', '0', ...cluster], /listening on (\S+)/),
        await launch(['--role', 'api', '--token', token, '--port', '0', ...cluster], /listening on (\S+)/),
      ]
      started.push(...replicas)
      started.push(
        await launch(
          ['--role', 'worker', ...engine, '--concurrency', String(engineSlots), ...cluster],
          /worker taking jobs/,
        ),
      )
      const replicaUrls = replicas.map((node) => node.url!)
      // Warm-up of both sides (connections, JIT, Redis scripts), then alternating rounds so that load elsewhere on
      // the machine hits both alike.
      if (!quick) {
        await measure(32, [single.url!], token, paths)
        await measure(32, replicaUrls, token, paths)
      }
      const rounds = quick ? 1 : 2
      const results = { single: [] as Measured[], cluster: [] as Measured[] }
      for (let turn = 0; turn < rounds; turn++) {
        results.single.push(await measure(Math.ceil(jobs / rounds), [single.url!], token, paths))
        results.cluster.push(await measure(Math.ceil(jobs / rounds), replicaUrls, token, paths))
      }
      const best = (side: Measured[]): Measured => ({
        jobsPerSecond: Math.max(...side.map((measured) => measured.jobsPerSecond)),
        p50Ms: Math.min(...side.map((measured) => measured.p50Ms)),
        p95Ms: Math.min(...side.map((measured) => measured.p95Ms)),
      })
      const oneServer = best(results.single)
      const twoReplicas = best(results.cluster)
      const baselineName = `one server, in-process store (concurrency ${engineSlots})`
      const ceiling = (engineSlots * 1000) / engineLatencyMs
      return {
        name: 'cluster',
        rows: [
          {
            metric: 'jobs/s',
            ours: twoReplicas.jobsPerSecond,
            baseline: oneServer.jobsPerSecond,
            baselineName,
            unit: 'jobs/s',
          },
          {
            metric: 'p50 submit → result',
            ours: twoReplicas.p50Ms,
            baseline: oneServer.p50Ms,
            baselineName,
            unit: 'ms',
          },
          {
            metric: 'p95 submit → result',
            ours: twoReplicas.p95Ms,
            baseline: oneServer.p95Ms,
            baselineName,
            unit: 'ms',
          },
        ],
        notes: [
          `${jobs} conversions of 2 KiB markdown files per side (${rounds} alternating rounds, best kept), ` +
            `${inFlight} in flight through @numarkdown/core (SSE); the cluster's clients alternate between its ` +
            'two replicas.',
          `Engine slots bound both sides at ${round(ceiling)} jobs/s (${engineSlots} × 1000 / ${engineLatencyMs} ms); ` +
            `the p50 of a job that waits for no slot is ${engineLatencyMs} ms plus the machinery.`,
          'Every node is its own numarkdown-server process; the cluster adds a redis-server (persistence off) ' +
            'and, on this 2-core machine, shares the cores among three node processes, Redis and the client.',
        ],
      }
    } finally {
      await Promise.allSettled(started.map((node) => node.stop()))
      await redis.stop()
      await directory.remove()
    }
  },
}

export default benchmark
