/**
 * How fast `numarkdown-watch --help` and `--version` answer, beside a bare `node -e 0` measured in the same
 * rounds: the command reads its arguments before it loads the watcher, chokidar, the client or the server, so
 * its start should cost little more than Node's own. Each round runs each command once, in turn, so the
 * machine's load weighs on all of them alike; wall time from spawn to exit.
 */
import { showSpread, spreadKinds, spreadOf } from '../internal/spread.ts'
import { overRounds, timeStartups } from '../internal/startup-rounds.ts'
import { requireWatcher, watcherCli } from '../internal/watcher-process.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

/** The most `--help` may take over a bare `node -e 0` (medians of the same rounds). */
const targetOverheadMs = 150

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
    const times = timeStartups(commands, rounds)
    const rows: BenchmarkRow[] = []
    for (const command of ['help', 'version'] as const) {
      for (const kind of spreadKinds) {
        const ours = spreadOf(times[command])[kind]
        const baseline = spreadOf(times.node)[kind]
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
    const overheads = spreadOf(overRounds(times.help, times.node))
    return {
      name: 'watcher-startup',
      rows,
      notes: [
        `${rounds} rounds of node -e 0, numarkdown-watch --help, numarkdown-watch --version in turn (spawn to ` +
          `exit, wall time); --help over node -e 0 in the same round, min–median–max: ${showSpread(overheads)} ms.`,
      ],
    }
  },
}

export default benchmark
