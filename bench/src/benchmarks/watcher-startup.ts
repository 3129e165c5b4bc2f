/**
 * How fast `numarkdown-watch --help` and `--version` answer, beside a bare `node -e 0` measured in the same
 * rounds: the command reads its arguments before it loads the watcher, chokidar, the client or the server, so
 * its start should cost little more than Node's own. Each round runs each command once, in turn, so the
 * machine's load weighs on all of them alike; wall time from spawn to exit.
 */
import { spawnSync } from 'node:child_process'
import { median, round } from '../internal/stats.ts'
import { requireWatcher, watcherCli } from '../internal/watcher-process.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

/** The most `--help` may take over a bare `node -e 0` (medians of the same rounds). */
const targetOverheadMs = 150

/** Wall time of one run in milliseconds; throws when the command fails. */
function timeRun(args: string[]): number {
  const started = performance.now()
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const elapsed = performance.now() - started
  if (result.status !== 0) {
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr.toString().trim()}`)
  }
  return elapsed
}

function statistic(values: number[], kind: 'min' | 'median' | 'max'): number {
  return kind === 'min' ? Math.min(...values) : kind === 'max' ? Math.max(...values) : median(values)
}

const benchmark: Benchmark = {
  name: 'watcher-startup',
  description: 'numarkdown-watch --help and --version against a bare node -e 0, same rounds',
  async run({ quick }) {
    requireWatcher()
    const rounds = quick ? 5 : 30
    const commands = {
      node: ['-e', '0'],
      help: [watcherCli, '--help'],
      version: [watcherCli, '--version'],
    }
    // One round first that is not counted: the file system cache warms up.
    for (const args of Object.values(commands)) timeRun(args)
    const times: Record<keyof typeof commands, number[]> = { node: [], help: [], version: [] }
    for (let round = 0; round < rounds; round++) {
      for (const [name, args] of Object.entries(commands) as Array<[keyof typeof commands, string[]]>) {
        times[name].push(timeRun(args))
      }
    }
    const rows: BenchmarkRow[] = []
    for (const command of ['help', 'version'] as const) {
      for (const kind of ['min', 'median', 'max'] as const) {
        const ours = statistic(times[command], kind)
        const baseline = statistic(times.node, kind)
        rows.push({
          metric: `numarkdown-watch --${command}, ${kind} of ${rounds}`,
          ours,
          baseline,
          baselineName: 'node -e 0',
          unit: 'ms',
          ...(command === 'help' && kind === 'median'
            ? { target: `≤ node + ${targetOverheadMs} ms`, pass: ours - baseline <= targetOverheadMs }
            : {}),
        })
      }
    }
    // Per round, so that a slow moment of the machine weighs on both sides of the difference alike.
    const overheads = times.help.map((help, index) => help - times.node[index]!)
    return {
      name: 'watcher-startup',
      rows,
      notes: [
        `${rounds} rounds of node -e 0, numarkdown-watch --help, numarkdown-watch --version in turn (spawn to ` +
          `exit, wall time); --help over node -e 0 in the same round: min ${round(Math.min(...overheads))} ms, ` +
          `median ${round(median(overheads))} ms, max ${round(Math.max(...overheads))} ms.`,
      ],
    }
  },
}

export default benchmark
