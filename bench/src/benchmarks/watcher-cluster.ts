/**
 * numarkdown-watch in cluster mode (`--queue`), driven through its CLI against a benchmark server and a
 * real redis-server started here:
 * 1. three instances at `--concurrency 8`, against one instance at the same concurrency (the baseline,
 *    measured in the same run, same mode), all watching one inbox into which every document is moved at
 *    once: time until every output exists, and the jobs the server received (each document exactly once);
 * 2. three instances watching the inbox while one of them, drawn at random, is killed with SIGKILL at random
 *    moments and restarted each time: documents lost, partial outputs, duplicate outputs, extra submits.
 * The engine's latency per job is long (1 s) on purpose: the figure measures coordination, not this
 * machine's two cores.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { benchDirectory, smallDocument } from '../internal/files.ts'
import { type BenchServer, startServerProcess } from '../internal/servers.ts'
import { round } from '../internal/stats.ts'
import { requireWatcher, spawnWatcher, type WatcherRun } from '../internal/watcher-process.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'
import { skip } from '../skip.ts'

interface Sizes {
  documents: number
  engineLatencyMs: number
  concurrency: number
  instances: number
  kills: number
  /** `--queue-lock-ms`: how soon a killed instance's documents are taken over. */
  lockMs: number
}

const quickSizes: Sizes = {
  documents: 30,
  engineLatencyMs: 100,
  concurrency: 8,
  instances: 3,
  kills: 2,
  lockMs: 2000,
}
const fullSizes: Sizes = {
  documents: 300,
  engineLatencyMs: 1000,
  concurrency: 8,
  instances: 3,
  kills: 10,
  lockMs: 5000,
}

interface TestingModule {
  redisServerPath(): string | undefined
  startTestRedis(): Promise<{ url: string; prefix(name?: string): string; close(): Promise<void> }>
}

async function loadRedis(): Promise<TestingModule> {
  const testing = (await import('@numarkdown/testing')) as unknown as TestingModule
  if (!testing.redisServerPath()) skip('redis-server is not installed (apt-get install -y redis-server)')
  return testing
}

async function writeDocuments(folder: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 100) {
    const batch = Array.from({ length: Math.min(100, count - start) }, (_, offset) => start + offset)
    await Promise.all(
      batch.map((index) => writeFile(join(folder, `doc-${index}.txt`), smallDocument(index, 512))),
    )
  }
}

async function outputNames(out: string): Promise<string[]> {
  const entries = await readdir(out).catch(() => [] as string[])
  return entries.filter((entry) => entry.endsWith('.md') && !entry.startsWith('.'))
}

/**
 * The jobs the server holds: a submit whose answer a kill cut off is in the request log with no status, but
 * its job exists (and is adopted, not sent again).
 */
async function serverJobs(server: BenchServer): Promise<number> {
  const response = await fetch(`${server.url}/api/jobs?perPage=1`, {
    headers: { authorization: `Bearer ${server.token}` },
  })
  return ((await response.json()) as { totalCount: number }).totalCount
}

function startInstances(
  count: number,
  sizes: Sizes,
  context: {
    server: BenchServer
    folders: { inbox: string; out: string; cwd: string }
    queue: string
    prefix: string
  },
  extra: string[],
): WatcherRun[] {
  return Array.from({ length: count }, () => startInstance(sizes, context, extra))
}

function startInstance(
  sizes: Sizes,
  {
    server,
    folders,
    queue,
    prefix,
  }: {
    server: BenchServer
    folders: { inbox: string; out: string; cwd: string }
    queue: string
    prefix: string
  },
  extra: string[],
): WatcherRun {
  return spawnWatcher({
    ...folders,
    baseUrl: server.url,
    apiKey: server.token,
    extra: [
      '--queue',
      queue,
      '--queue-prefix',
      prefix,
      '--queue-lock-ms',
      String(sizes.lockMs),
      '--concurrency',
      String(sizes.concurrency),
      ...extra,
    ],
  })
}

/**
 * `instances` watchers, all watching before the documents arrive (as a cluster runs: started once, fed for
 * months), then every document moved into the inbox at once: time until every output exists.
 */
async function dropRun(
  instances: number,
  sizes: Sizes,
  redis: { url: string; prefix(name?: string): string },
) {
  const directory = await benchDirectory(`watcher-cluster-${instances}`)
  const folders = {
    inbox: join(directory.path, 'inbox'),
    out: join(directory.path, 'out'),
    cwd: directory.path,
  }
  const staging = join(directory.path, 'staging')
  await Promise.all([mkdir(folders.inbox), mkdir(folders.out), mkdir(staging)])
  await writeDocuments(staging, sizes.documents)
  const server = await startServerProcess({ latencyMs: sizes.engineLatencyMs, concurrency: 64 })
  const watchers = startInstances(
    instances,
    sizes,
    { server, folders, queue: redis.url, prefix: redis.prefix(`drop-${instances}`) },
    ['--stability-ms', '100'],
  )
  try {
    await Promise.all(watchers.map((watcher) => watcher.logged('watching')))
    await sleep(500) // chokidar is ready by then; the start-up scans of the empty inbox are done
    const started = performance.now()
    for (const name of await readdir(staging)) await rename(join(staging, name), join(folders.inbox, name))
    const deadline = started + 300_000
    while ((await outputNames(folders.out)).length < sizes.documents) {
      if (performance.now() > deadline) throw new Error('the documents were not all converted within 300 s')
      const exited = watchers.find((watcher) => watcher.child.exitCode !== null)
      if (exited) throw new Error(`numarkdown-watch exited (${exited.child.exitCode})`)
      await sleep(50)
    }
    const elapsedMs = performance.now() - started
    // Time for a conversion that would be done twice to show.
    await sleep(Math.min(3000, 2 * sizes.engineLatencyMs))
    return { elapsedMs, jobs: await serverJobs(server) }
  } finally {
    await Promise.all(watchers.map((watcher) => watcher.stop()))
    await server.close()
    await directory.remove()
  }
}

/** Three watching instances, one of them killed with SIGKILL at random moments and restarted each time. */
async function killRun(sizes: Sizes, redis: { url: string; prefix(name?: string): string }) {
  const directory = await benchDirectory('watcher-cluster-kill')
  const folders = {
    inbox: join(directory.path, 'inbox'),
    out: join(directory.path, 'out'),
    cwd: directory.path,
  }
  await Promise.all([mkdir(folders.inbox), mkdir(folders.out)])
  await writeDocuments(folders.inbox, sizes.documents)
  const server = await startServerProcess({ latencyMs: sizes.engineLatencyMs, concurrency: 64 })
  const context = { server, folders, queue: redis.url, prefix: redis.prefix('kill') }
  const extra = ['--stability-ms', '100', '--rescan-ms', '2000']
  const watchers = startInstances(sizes.instances, sizes, context, extra)
  try {
    await Promise.all(watchers.map((watcher) => watcher.logged('watching')))
    const started = performance.now()
    // Kills spread over the time one instance alone would need for the whole inbox.
    const spanMs = (sizes.documents / sizes.concurrency) * sizes.engineLatencyMs
    for (let kill = 0; kill < sizes.kills; kill++) {
      await sleep(Math.max(100, Math.random() * ((2 * spanMs) / sizes.kills)))
      const victim = Math.floor(Math.random() * watchers.length)
      watchers[victim]!.child.kill('SIGKILL')
      await watchers[victim]!.exited
      watchers[victim] = startInstance(sizes, context, extra)
      await watchers[victim]!.logged('watching')
    }
    const deadline = performance.now() + 300_000
    while ((await outputNames(folders.out)).length < sizes.documents) {
      if (performance.now() > deadline) break
      await sleep(100)
    }
    const elapsedMs = performance.now() - started
    // Time for a conversion that would be done twice to show.
    await sleep(Math.min(3000, 2 * sizes.engineLatencyMs))
    const names = new Set(await outputNames(folders.out))
    const expected = Array.from({ length: sizes.documents }, (_, index) => `doc-${index}.txt.md`)
    const lost = expected.filter((name) => !names.has(name)).length
    let partial = 0
    for (const [index, name] of expected.entries()) {
      if (!names.has(name)) continue
      const text = await readFile(join(folders.out, name), 'utf8')
      if (text.trim() !== smallDocument(index, 512).trim()) partial++
    }
    const duplicates = [...names].filter((name) => !expected.includes(name)).length
    const extraSubmits = (await serverJobs(server)) - sizes.documents
    return { elapsedMs, lost, partial, duplicates, extraSubmits }
  } finally {
    await Promise.all(watchers.map((watcher) => watcher.stop()))
    await server.close()
    await directory.remove()
  }
}

const benchmark: Benchmark = {
  name: 'watcher-cluster',
  description:
    'numarkdown-watch --queue: three instances on one inbox against one, and kill -9 with restarts',
  async run({ quick }) {
    requireWatcher()
    const testing = await loadRedis()
    const sizes = quick ? quickSizes : fullSizes
    const redis = await testing.startTestRedis()
    try {
      const one = await dropRun(1, sizes, redis)
      const cluster = await dropRun(sizes.instances, sizes, redis)
      const kills = await killRun(sizes, redis)
      const idealMs = (sizes.documents / (sizes.concurrency * sizes.instances)) * sizes.engineLatencyMs
      const rows: BenchmarkRow[] = [
        {
          metric: `${sizes.documents} documents dropped, ${sizes.instances} instances → every output written`,
          ours: cluster.elapsedMs,
          baseline: one.elapsedMs,
          baselineName: `one instance, --concurrency ${sizes.concurrency}`,
          unit: 'ms',
          target: '≤ 0.4× one instance',
          pass: cluster.elapsedMs <= 0.4 * one.elapsedMs,
        },
        {
          metric: `server jobs for ${sizes.documents} documents, ${sizes.instances} instances`,
          ours: cluster.jobs,
          baseline: one.jobs,
          baselineName: 'one instance',
          unit: 'jobs',
          target: `= ${sizes.documents}`,
          pass: cluster.jobs === sizes.documents && one.jobs === sizes.documents,
        },
        {
          metric: `kill -9 ×${sizes.kills} with restarts: documents lost`,
          ours: kills.lost,
          unit: 'documents',
          target: '0',
          pass: kills.lost === 0,
        },
        {
          metric: `kill -9 ×${sizes.kills}: partial outputs`,
          ours: kills.partial,
          unit: 'outputs',
          target: '0',
          pass: kills.partial === 0,
        },
        {
          metric: `kill -9 ×${sizes.kills}: duplicate outputs`,
          ours: kills.duplicates,
          unit: 'outputs',
          target: '0',
          pass: kills.duplicates === 0,
        },
        {
          metric: `kill -9 ×${sizes.kills}: extra NuMind submits per kill`,
          ours: kills.extraSubmits / sizes.kills,
          unit: 'submits',
          target: '≤ 1',
          pass: kills.extraSubmits <= sizes.kills,
        },
      ]
      return {
        name: 'watcher-cluster',
        rows,
        notes: [
          `scripted engine ${sizes.engineLatencyMs} ms per job, server concurrency 64, --concurrency ` +
            `${sizes.concurrency} per instance, --stability-ms 100, a real redis-server (persistence off); ` +
            'every instance watching before the documents are moved into the inbox at once (process start-up, ' +
            'about 1 s per instance and more when three start at once on two cores, is not counted); ' +
            `ideal for ${sizes.instances} instances: ${round(idealMs / 1000)} s, for one: ` +
            `${round((idealMs * sizes.instances) / 1000)} s; ratio ${round(cluster.elapsedMs / one.elapsedMs)}.`,
          `kills: ${sizes.instances} watching instances, ${sizes.documents} documents, --queue-lock-ms ` +
            `${sizes.lockMs}; one instance drawn at random killed with SIGKILL ${sizes.kills} times at random ` +
            `moments and restarted; every output written ${round(kills.elapsedMs / 1000)} s after the first ` +
            `kill's countdown began; ${kills.extraSubmits} extra submits in all.`,
        ],
      }
    } finally {
      await redis.close()
    }
  },
}

export default benchmark
