/**
 * numarkdown-watch in cluster mode (`--queue`), driven through its CLI against a benchmark server and a
 * real redis-server started here:
 * 1. one inbox of documents, three instances at `--concurrency 8` against one instance at the same
 *    concurrency (the baseline, measured in the same run, same mode): time until every instance's `--once`
 *    run ended, and the jobs the server received (each document exactly once);
 * 2. three instances watching the inbox while one of them, drawn at random, is killed with SIGKILL at random
 *    moments and restarted each time: documents lost, partial outputs, duplicate outputs, extra submits.
 * The engine's latency per job is long (1 s) on purpose: the figure measures coordination, not this
 * machine's two cores.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
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

/** `instances` watchers with `--once` over a fresh inbox: wall time until the last one ended. */
async function onceRun(
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
  await Promise.all([mkdir(folders.inbox), mkdir(folders.out)])
  await writeDocuments(folders.inbox, sizes.documents)
  const server = await startServerProcess({ latencyMs: sizes.engineLatencyMs, concurrency: 64 })
  try {
    const started = performance.now()
    const watchers = startInstances(
      instances,
      sizes,
      { server, folders, queue: redis.url, prefix: redis.prefix(`once-${instances}`) },
      ['--once', '--stability-ms', '0'],
    )
    const codes = await Promise.all(watchers.map((watcher) => watcher.exited))
    const elapsedMs = performance.now() - started
    if (codes.some((code) => code !== 0))
      throw new Error(`numarkdown-watch --once exited with ${codes.join(', ')}`)
    const outputs = (await outputNames(folders.out)).length
    if (outputs !== sizes.documents) throw new Error(`${outputs} outputs for ${sizes.documents} documents`)
    return { elapsedMs, jobs: await serverJobs(server) }
  } finally {
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
      const one = await onceRun(1, sizes, redis)
      const cluster = await onceRun(sizes.instances, sizes, redis)
      const kills = await killRun(sizes, redis)
      const idealMs = (sizes.documents / (sizes.concurrency * sizes.instances)) * sizes.engineLatencyMs
      const rows: BenchmarkRow[] = [
        {
          metric: `${sizes.documents} documents, ${sizes.instances} instances → every --once run ended`,
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
            `${sizes.concurrency} per instance, --stability-ms 0, a real redis-server (persistence off); ` +
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
