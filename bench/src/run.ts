/**
 * The benchmark runner: `pnpm bench [--quick] [--only name[,name…]]`.
 *
 * Discovers the modules of `src/benchmarks/`, runs each in turn, prints a table per benchmark
 * (metric | ours | baseline | ratio | target | pass) and writes everything to `results/latest.json`
 * with the machine it ran on. Exits 1 when a benchmark throws (a skip is not a failure); a missed
 * target never changes the exit code, because figures on a shared machine are not assertions.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { arch, cpus, loadavg, platform, totalmem } from 'node:os'
import { basename, dirname } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { markdownTable, ratioOf, textTable } from './internal/format.ts'
import { round } from './internal/stats.ts'
import type { Benchmark, BenchmarkReport } from './report.ts'
import { BenchmarkSkipped } from './skip.ts'

const benchmarksDirectory = fileURLToPath(new URL('./benchmarks/', import.meta.url))
const resultsPath = fileURLToPath(new URL('../results/latest.json', import.meta.url))

/** The order the suite runs in; benchmarks not listed run after these, alphabetically. */
const preferredOrder = [
  'latency',
  'requests-per-job',
  'throughput',
  'upload-memory',
  'split-pages',
  'stream-overhead',
  'watcher',
  'watcher-cluster',
  'watcher-startup',
  'cli-startup',
  'local-engine',
  'server-responsiveness',
]

/** A hang guard, not a speed limit: a benchmark still running after this long counts as failed. */
const deadlineMs = { quick: 120_000, full: 480_000 }

interface BenchmarkResult {
  file: string
  name: string
  description?: string
  status: 'ok' | 'skipped' | 'failed'
  durationMs: number
  report?: BenchmarkReport
  /** Why it was skipped, or the error it failed with. */
  reason?: string
}

const usage = `usage: pnpm bench [--quick] [--only name[,name…]] [--markdown]
  --quick      tiny sizes: checks that every benchmark runs (under a minute), not how fast
  --only NAME  run only these benchmarks (file names under src/benchmarks/, repeatable or comma-separated)
  --markdown   also print one markdown table of every result (for the README)`

function parseArguments(argv: string[]): { quick: boolean; only: string[]; markdown: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true, default: [] },
      markdown: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(usage)
    process.exit(0)
  }
  const only = values.only
    .flatMap((value) => value.split(','))
    .map((value) => value.trim().replace(/\.ts$/, ''))
  return { quick: values.quick, only: only.filter(Boolean), markdown: values.markdown }
}

async function discover(): Promise<string[]> {
  const entries = await readdir(benchmarksDirectory)
  const names = entries
    .filter((entry) => entry.endsWith('.ts') && !entry.endsWith('.test.ts') && !entry.endsWith('.d.ts'))
    .map((entry) => basename(entry, '.ts'))
  const rank = (name: string) => {
    const index = preferredOrder.indexOf(name)
    return index === -1 ? preferredOrder.length : index
  }
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: dirname(benchmarksDirectory),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
  } catch {
    return undefined
  }
}

function machineInfo(quick: boolean) {
  const processors = cpus()
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: platform(),
    arch: arch(),
    cpus: processors.length,
    cpuModel: processors[0]?.model.trim(),
    totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    loadAverageAtStart: loadavg().map(round),
    gitCommit: gitCommit(),
    quick,
  }
}

function isBenchmark(value: unknown): value is Benchmark {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Benchmark).name === 'string' &&
    typeof (value as Benchmark).run === 'function'
  )
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : ''
    return `${error.name}: ${error.message}${cause}`
  }
  return String(error)
}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still running after ${ms / 1000} s`)), ms)
  })
  try {
    return await Promise.race([promise, deadline])
  } finally {
    clearTimeout(timer)
  }
}

async function runOne(file: string, quick: boolean): Promise<BenchmarkResult> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  let benchmark: Benchmark
  try {
    const module = (await import(pathToFileURL(`${benchmarksDirectory}${file}.ts`).href)) as {
      default?: unknown
    }
    if (!isBenchmark(module.default)) {
      return {
        file,
        name: file,
        status: 'failed',
        durationMs: elapsed(),
        reason: 'no default-exported Benchmark',
      }
    }
    benchmark = module.default
  } catch (error) {
    const status = BenchmarkSkipped.isInstance(error) ? 'skipped' : 'failed'
    return { file, name: file, status, durationMs: elapsed(), reason: describeError(error) }
  }
  const base = { file, name: benchmark.name, description: benchmark.description }
  try {
    const report = await withDeadline(
      benchmark.run({ quick }),
      quick ? deadlineMs.quick : deadlineMs.full,
      `benchmark ${benchmark.name}`,
    )
    // A report with no figures whose first note says `skipped: …` is a skip too.
    const firstNote = report.notes?.[0]
    if (report.rows.length === 0 && firstNote?.startsWith('skipped:')) {
      return {
        ...base,
        status: 'skipped',
        durationMs: elapsed(),
        reason: firstNote.slice('skipped:'.length).trim(),
      }
    }
    return { ...base, status: 'ok', durationMs: elapsed(), report }
  } catch (error) {
    if (BenchmarkSkipped.isInstance(error)) {
      return { ...base, status: 'skipped', durationMs: elapsed(), reason: error.message }
    }
    return { ...base, status: 'failed', durationMs: elapsed(), reason: describeError(error) }
  }
}

function print(result: BenchmarkResult): void {
  const seconds = (result.durationMs / 1000).toFixed(1)
  console.log(`\n== ${result.name}${result.description ? ` — ${result.description}` : ''} (${seconds} s)`)
  if (result.status === 'skipped') {
    console.log(`skipped: ${result.reason}`)
    return
  }
  if (result.status === 'failed') {
    console.log(`FAILED: ${result.reason}`)
    return
  }
  const report = result.report!
  if (report.rows.length > 0) console.log(textTable(report))
  for (const note of report.notes ?? []) console.log(`  ${note}`)
}

function toJson(result: BenchmarkResult) {
  if (!result.report) return result
  const rows = result.report.rows.map((row) => {
    const ratio = ratioOf(row)
    return { ...row, ratio: ratio === undefined ? undefined : round(ratio) }
  })
  return { ...result, report: { ...result.report, rows } }
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2))
  const available = await discover()
  const unknown = options.only.filter((name) => !available.includes(name))
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ')}`)
    process.exit(2)
  }
  const selected =
    options.only.length > 0 ? available.filter((name) => options.only.includes(name)) : available
  const machine = machineInfo(options.quick)
  console.log(
    `numarkdown-js benchmarks${options.quick ? ' (quick: tiny sizes, checks they run)' : ''}: ` +
      `${selected.join(', ')}\nnode ${machine.node}, ${machine.cpus} × ${machine.cpuModel}, ` +
      `load ${machine.loadAverageAtStart.join(' ')}; ratio = ours / baseline`,
  )

  const started = performance.now()
  const results: BenchmarkResult[] = []
  const save = async () => {
    await mkdir(dirname(resultsPath), { recursive: true })
    const totalMs = Math.round(performance.now() - started)
    const document = { machine, totalMs, benchmarks: results.map(toJson) }
    await writeFile(resultsPath, `${JSON.stringify(document, null, 2)}\n`)
  }
  for (const file of selected) {
    const result = await runOne(file, options.quick)
    results.push(result)
    print(result)
    await save()
    globalThis.gc?.()
  }

  const totalSeconds = ((performance.now() - started) / 1000).toFixed(1)
  const count = (status: BenchmarkResult['status']) =>
    results.filter((result) => result.status === status).length
  console.log(
    `\n${count('ok')} ran, ${count('skipped')} skipped, ${count('failed')} failed in ${totalSeconds} s; ` +
      `results in ${resultsPath}`,
  )
  for (const result of results.filter((result) => result.status !== 'ok')) {
    console.log(`  ${result.name}: ${result.status}: ${result.reason}`)
  }
  if (options.markdown) {
    const reports = results.flatMap((result) => (result.report ? [result.report] : []))
    console.log(`\n${markdownTable(reports)}`)
  }
  // Exit explicitly: a benchmark that timed out may still hold sockets or timers.
  process.exit(count('failed') > 0 ? 1 : 0)
}

await main()
