/**
 * How fast `numarkdown-server --help` and `--version` answer, beside a bare `node -e 0` measured in the same
 * rounds: the command parses its arguments before it loads the server (busboy, ioredis, bullmq) or any engine,
 * so a mistyped flag or a look at the help costs little more than Node's own start. Each round runs each command
 * once, in turn, so the machine's load weighs on all of them alike; wall time from spawn to exit.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { showSpread, spreadKinds, spreadOf } from '../internal/spread.ts'
import { overRounds, timeStartups } from '../internal/startup-rounds.ts'
import { median } from '../internal/stats.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'
import { skip } from '../skip.ts'

const cliPath = fileURLToPath(new URL('../../../packages/server/dist/cli.js', import.meta.url))
const targetOverheadMs = 150

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
    const times = timeStartups(commands, rounds)
    // Each round's own difference, so that a burst of load elsewhere weighs on both sides of it alike.
    const overheads = {
      help: overRounds(times.help, times.node),
      version: overRounds(times.version, times.node),
    }
    const rows: BenchmarkRow[] = []
    for (const command of ['help', 'version'] as const) {
      for (const kind of spreadKinds) {
        rows.push({
          metric: `numarkdown-server --${command}, ${kind}`,
          ours: spreadOf(times[command])[kind],
          baseline: spreadOf(times.node)[kind],
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
    const spread = (values: number[]) => `${showSpread(spreadOf(values))} ms`
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
