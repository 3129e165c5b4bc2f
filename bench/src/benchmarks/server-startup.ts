/**
 * How fast `numarkdown-server --help` and `--version` answer, beside a bare `node -e 0` measured in the same
 * rounds: the command parses its arguments before it loads the server (busboy, ioredis, bullmq) or any engine,
 * so a mistyped flag or a look at the help costs little more than Node's own start. Each round runs each command
 * once, in turn, so the machine's load weighs on all of them alike; wall time from spawn to exit.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { median, round } from '../internal/stats.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'
import { skip } from '../skip.ts'

const cliPath = fileURLToPath(new URL('../../../packages/server/dist/cli.js', import.meta.url))
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

const benchmark: Benchmark = {
  name: 'server-startup',
  description: 'numarkdown-server --help and --version against a bare node -e 0, same rounds',
  async run({ quick }) {
    if (!existsSync(cliPath)) skip('packages/server is not built (pnpm --filter @numarkdown/server build)')
    const rounds = quick ? 5 : 30
    const commands = {
      node: ['-e', '0'],
      help: [cliPath, '--help'],
      version: [cliPath, '--version'],
    }
    // One round first that is not counted: the file system cache warms up.
    for (const args of Object.values(commands)) timeRun(args)
    const times: Record<keyof typeof commands, number[]> = { node: [], help: [], version: [] }
    for (let turn = 0; turn < rounds; turn++) {
      for (const [name, args] of Object.entries(commands) as Array<[keyof typeof commands, string[]]>) {
        times[name].push(timeRun(args))
      }
    }
    // Each round's own difference, so that a burst of load elsewhere weighs on both sides of it alike.
    const overheads = {
      help: times.help.map((value, index) => value - times.node[index]!),
      version: times.version.map((value, index) => value - times.node[index]!),
    }
    const statistic = (values: number[], kind: 'min' | 'median' | 'max') =>
      kind === 'min' ? Math.min(...values) : kind === 'max' ? Math.max(...values) : median(values)
    const rows: BenchmarkRow[] = []
    for (const command of ['help', 'version'] as const) {
      for (const kind of ['min', 'median', 'max'] as const) {
        rows.push({
          metric: `numarkdown-server --${command}, ${kind}`,
          ours: statistic(times[command], kind),
          baseline: statistic(times.node, kind),
          baselineName: 'node -e 0 (the floor)',
          unit: 'ms',
        })
      }
      const overhead = median(overheads[command])
      rows.push({
        metric: `numarkdown-server --${command} over node -e 0, median of rounds`,
        ours: overhead,
        unit: 'ms',
        ...(command === 'help'
          ? { target: `≤ ${targetOverheadMs} ms`, pass: overhead <= targetOverheadMs }
          : {}),
      })
    }
    const spread = (values: number[]) =>
      `${round(Math.min(...values))}–${round(median(values))}–${round(Math.max(...values))} ms`
    return {
      name: 'server-startup',
      rows,
      notes: [
        `${rounds} rounds of node -e 0, numarkdown-server --help, numarkdown-server --version in turn (spawn to ` +
          `exit, wall time). Overhead over node -e 0 in the same round, min–median–max: --help ` +
          `${spread(overheads.help)}, --version ${spread(overheads.version)}.`,
      ],
    }
  },
}

export default benchmark
