/**
 * numarkdown-watch, driven through its CLI against a benchmark server in its own process:
 * 1. files dropped into a watched inbox at once → time until every output exists, against the ideal
 *    engine latency × files ÷ concurrency (min, median and max over rounds, each with a fresh watcher and
 *    server), and the watcher's own CPU per file in the same rounds; from the server's request log, when the
 *    first job was submitted and how many jobs the service held on average (each from its submit to the end
 *    of its event stream): where the time beyond the ideal goes, start-up or a pipeline running below
 *    `--concurrency`;
 * 2. a restart over an inbox already converted → jobs submitted (should be none) and time to idle;
 * 3. CPU used while idle, watching a tree of converted files.
 * The restart and idle trees are seeded by the watcher itself; they live on tmpfs (/dev/shm) when there is
 * one, because seeding thousands of files through the watcher's fsync'd journal on a shared disk would
 * take most of the suite's time budget.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { benchDirectory, smallDocument } from '../internal/files.ts'
import { processCpuMs } from '../internal/process-cpu.ts'
import { type BenchServer, startServerProcess } from '../internal/servers.ts'
import { median, round } from '../internal/stats.ts'
import { requireWatcher, spawnWatcher } from '../internal/watcher-process.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

const concurrency = 16
/** The drop's target: all outputs within this many times the ideal (median of the rounds). */
const dropTargetRatio = 1.15

interface Sizes {
  dropFiles: number
  dropRounds: number
  engineLatencyMs: number
  stabilityMs: number
  restartFiles: number
  idleFiles: number
  idleWindowMs: number
}

const quickSizes: Sizes = {
  dropFiles: 20,
  dropRounds: 2,
  engineLatencyMs: 20,
  stabilityMs: 100,
  restartFiles: 50,
  idleFiles: 50,
  idleWindowMs: 1000,
}
const fullSizes: Sizes = {
  dropFiles: 1000,
  dropRounds: 3,
  engineLatencyMs: 100,
  stabilityMs: 500,
  restartFiles: 10_000,
  idleFiles: 20_000,
  idleWindowMs: 10_000,
}

/** Time given to the watcher to get ready before the drop. */
const quickSettle = (sizes: Sizes) => (sizes === quickSizes ? 300 : 1000)

async function writeDocuments(folder: string, from: number, count: number): Promise<string[]> {
  const names: string[] = []
  for (let start = from; start < from + count; start += 500) {
    const batch = Array.from(
      { length: Math.min(500, from + count - start) },
      (_, offset) => `doc-${start + offset}.txt`,
    )
    await Promise.all(
      batch.map((name, offset) => writeFile(join(folder, name), smallDocument(start + offset, 512))),
    )
    names.push(...batch)
  }
  return names
}

async function countOutputs(out: string): Promise<number> {
  const entries = await readdir(out).catch(() => [] as string[])
  return entries.filter((entry) => entry.endsWith('.md')).length
}

async function submissions(server: BenchServer): Promise<number> {
  return (await server.requests()).filter((entry) => entry.route === 'submit').length
}

/**
 * From the server's request log, for the requests since `since` (epoch ms): when the first submit began,
 * and the mean number of jobs at the service until `until`, each counted from its submit to the end of its
 * event stream.
 */
async function serviceTimeline(server: BenchServer, since: number, until: number) {
  const requests = (await server.requests()).filter((entry) => entry.startedAt >= since)
  const submitted = new Map<string, number>()
  for (const entry of requests) {
    if (entry.route === 'submit' && entry.jobId) submitted.set(entry.jobId, entry.startedAt)
  }
  let heldMs = 0
  for (const entry of requests) {
    const start = entry.route === 'stream' && entry.jobId ? submitted.get(entry.jobId) : undefined
    if (start !== undefined) heldMs += entry.startedAt + entry.durationMs - start
  }
  const firstSubmitMs = Math.min(...submitted.values()) - since
  return { firstSubmitMs, meanAtService: heldMs / (until - since) }
}

/** Runs `numarkdown-watch --once` to completion; returns its wall time. */
async function runOnce(
  server: BenchServer,
  folders: { inbox: string; out: string; cwd: string },
  extra: string[] = [],
): Promise<number> {
  const started = performance.now()
  const watcher = spawnWatcher({
    ...folders,
    baseUrl: server.url,
    apiKey: server.token,
    extra: ['--once', '--concurrency', String(concurrency), '--stability-ms', '0', ...extra],
  })
  const code = await watcher.exited
  if (code !== 0) throw new Error(`numarkdown-watch --once exited with ${code}`)
  return performance.now() - started
}

async function dropBenchmark(sizes: Sizes) {
  const directory = await benchDirectory('watcher-drop')
  const inbox = join(directory.path, 'inbox')
  const out = join(directory.path, 'out')
  const staging = join(directory.path, 'staging')
  await Promise.all([mkdir(inbox), mkdir(out), mkdir(staging)])
  const server = await startServerProcess({ latencyMs: sizes.engineLatencyMs, concurrency: 64 })
  const watcher = spawnWatcher({
    inbox,
    out,
    cwd: directory.path,
    baseUrl: server.url,
    apiKey: server.token,
    extra: ['--concurrency', String(concurrency), '--stability-ms', String(sizes.stabilityMs)],
  })
  try {
    const names = await writeDocuments(staging, 0, sizes.dropFiles)
    await watcher.logged('watching')
    await sleep(quickSettle(sizes)) // chokidar is ready by then; the start-up scan of an empty inbox is done
    const pid = watcher.child.pid!
    const cpuBefore = processCpuMs(pid)
    const startedAt = Date.now()
    const started = performance.now()
    for (const name of names) await rename(join(staging, name), join(inbox, name))
    const deadline = started + 300_000
    while ((await countOutputs(out)) < sizes.dropFiles) {
      if (performance.now() > deadline) throw new Error('dropped files were not all converted within 300 s')
      if (watcher.child.exitCode !== null)
        throw new Error(`numarkdown-watch exited (${watcher.child.exitCode})`)
      await sleep(50)
    }
    const elapsedMs = performance.now() - started
    const cpuMs = processCpuMs(pid) - cpuBefore
    const timeline = await serviceTimeline(server, startedAt, startedAt + elapsedMs)
    return { elapsedMs, cpuMs, submitted: await submissions(server), ...timeline }
  } finally {
    await watcher.stop()
    await server.close()
    await directory.remove()
  }
}

async function restartAndIdleBenchmark(sizes: Sizes) {
  const parent = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
  const root = await mkdtemp(join(parent, 'numarkdown-bench-watcher-'))
  const folders = { inbox: join(root, 'inbox'), out: join(root, 'out'), cwd: root }
  await Promise.all([mkdir(folders.inbox), mkdir(folders.out)])
  const server = await startServerProcess({ latencyMs: 0, concurrency: 64 })
  try {
    await writeDocuments(folders.inbox, 0, sizes.restartFiles)
    const seedMs = await runOnce(server, folders)
    if ((await countOutputs(folders.out)) !== sizes.restartFiles)
      throw new Error('seeding left files unconverted')

    const before = await submissions(server)
    const restartMs = await runOnce(server, folders)
    const restartSubmitted = (await submissions(server)) - before

    if (sizes.idleFiles > sizes.restartFiles) {
      await writeDocuments(folders.inbox, sizes.restartFiles, sizes.idleFiles - sizes.restartFiles)
      await runOnce(server, folders)
    }
    const idleBefore = await submissions(server)
    const spawned = performance.now()
    const watcher = spawnWatcher({
      ...folders,
      baseUrl: server.url,
      apiKey: server.token,
      extra: ['--concurrency', String(concurrency)],
    })
    try {
      await watcher.logged('watching')
      // Settled once a half-second window costs under 2% of a core (the start-up scan is over).
      const pid = watcher.child.pid!
      let settleMs = Number.NaN
      for (let waited = 0; waited < 120_000; waited += 500) {
        const cpuBefore = processCpuMs(pid)
        await sleep(500)
        if (processCpuMs(pid) - cpuBefore < 10) {
          settleMs = performance.now() - spawned
          break
        }
      }
      const cpuBefore = processCpuMs(pid)
      const windowStarted = performance.now()
      await sleep(sizes.idleWindowMs)
      const idlePercent = ((processCpuMs(pid) - cpuBefore) / (performance.now() - windowStarted)) * 100
      return {
        seedMs,
        restartMs,
        restartSubmitted,
        idlePercent,
        settleMs,
        idleSubmitted: (await submissions(server)) - idleBefore,
        tmpfs: parent === '/dev/shm',
      }
    } finally {
      await watcher.stop()
    }
  } finally {
    await server.close()
    await rm(root, { recursive: true, force: true })
  }
}

function statistic(values: number[], kind: 'min' | 'median' | 'max'): number {
  return kind === 'min' ? Math.min(...values) : kind === 'max' ? Math.max(...values) : median(values)
}

const benchmark: Benchmark = {
  name: 'watcher',
  description: 'numarkdown-watch: a drop of files, a restart, idle CPU',
  async run({ quick }) {
    requireWatcher()
    const sizes = quick ? quickSizes : fullSizes
    const drops: Array<Awaited<ReturnType<typeof dropBenchmark>>> = []
    for (let round = 0; round < sizes.dropRounds; round++) drops.push(await dropBenchmark(sizes))
    const later = await restartAndIdleBenchmark(sizes)
    const idealMs = (sizes.engineLatencyMs * sizes.dropFiles) / concurrency
    const elapsed = drops.map((drop) => drop.elapsedMs)
    const rows: BenchmarkRow[] = (['min', 'median', 'max'] as const).map((kind) => {
      const ours = statistic(elapsed, kind)
      return {
        metric: `${sizes.dropFiles} files dropped at once → all outputs written, ${kind} of ${sizes.dropRounds}`,
        ours,
        baseline: idealMs,
        baselineName: 'ideal: latency × files ÷ concurrency',
        unit: 'ms',
        ...(kind === 'median'
          ? { target: `≤ ${dropTargetRatio}× ideal`, pass: ours <= idealMs * dropTargetRatio }
          : {}),
      }
    })
    rows.push(
      {
        metric: `watcher CPU per file during the drop, median of ${sizes.dropRounds}`,
        ours: median(drops.map((drop) => drop.cpuMs / sizes.dropFiles)),
        unit: 'ms',
      },
      {
        metric: `jobs at the service during the drop (of ${concurrency}), mean over the drop, median of ${sizes.dropRounds}`,
        ours: median(drops.map((drop) => drop.meanAtService)),
        unit: 'jobs',
      },
      {
        metric: `first job submitted after the drop began, median of ${sizes.dropRounds}`,
        ours: median(drops.map((drop) => drop.firstSubmitMs)),
        unit: 'ms',
      },
      {
        metric: `jobs submitted on restart over ${sizes.restartFiles} converted files`,
        ours: later.restartSubmitted,
        unit: 'jobs',
        target: '0',
        pass: later.restartSubmitted === 0,
      },
      {
        metric: `restart over ${sizes.restartFiles} converted files → idle (--once exits)`,
        ours: later.restartMs,
        unit: 'ms',
      },
      {
        metric: `idle CPU watching ${sizes.idleFiles} converted files`,
        ours: later.idlePercent,
        unit: '% of a core',
      },
    )
    const seedRate = round(sizes.restartFiles / (later.seedMs / 1000))
    return {
      name: 'watcher',
      rows,
      notes: [
        `drop: engine ${sizes.engineLatencyMs} ms per document, --concurrency ${concurrency}, --stability-ms ` +
          `${sizes.stabilityMs} (a file is taken once it was not written for that long: in the figure, not in the ` +
          `ideal), ${drops.map((drop) => drop.submitted).join('/')} jobs for ${sizes.dropFiles} files, files ` +
          'written into a folder beside the inbox at least a second before the drop and renamed into it (moved in ' +
          `whole: not written for the window, so taken at once); rounds ${elapsed.map((ms) => round(ms / idealMs)).join(', ')}× ` +
          `the ideal; watcher CPU (user + system, from /proc) ${drops.map((drop) => round(drop.cpuMs / 1000)).join(', ')} s; ` +
          `jobs at the service ${drops.map((drop) => round(drop.meanAtService)).join(', ')} on average, the first ` +
          `submitted ${drops.map((drop) => Math.round(drop.firstSubmitMs)).join(', ')} ms after the drop began.`,
        `restart and idle trees on ${later.tmpfs ? 'tmpfs' : 'the temp folder'}: seeding ${sizes.restartFiles} ` +
          `files took ${round(later.seedMs / 1000)} s (${seedRate} files/s, engine latency 0); the restart is a ` +
          '`--once` run over the converted tree (its exit = idle).',
        `idle: watch mode (native events, default 60 s rescan), settled ${round(later.settleMs / 1000)} s after ` +
          `start; CPU measured over ${sizes.idleWindowMs / 1000} s; ${later.idleSubmitted} jobs submitted.`,
      ],
    }
  },
}

export default benchmark
