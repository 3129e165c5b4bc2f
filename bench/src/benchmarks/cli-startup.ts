/**
 * How fast `numarkdown --help` and `numarkdown --version` answer, beside a bare `node -e 0` measured in the
 * same rounds: the command reads its arguments before it loads the client, undici or the server, so its start
 * should cost little more than Node's own. Each round runs each command once, in turn, so the machine's load
 * weighs on all of them alike; wall time from spawn to exit.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spreadKinds, spreadOf } from '../internal/spread.ts'
import { timeStartups } from '../internal/startup-rounds.ts'
import { median, round } from '../internal/stats.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'
import { skip } from '../skip.ts'

const cliPath = fileURLToPath(new URL('../../../packages/cli/dist/cli.js', import.meta.url))
const targetMs = 200

const benchmark: Benchmark = {
  name: 'cli-startup',
  description: 'numarkdown --help and --version against a bare node -e 0, same rounds',
  async run({ quick }) {
    if (!existsSync(cliPath)) skip('packages/cli is not built (pnpm --filter @numarkdown/cli build)')
    const rounds = quick ? 5 : 30
    // What any command written as an ES module pays before its first line: Node's ESM loader.
    const directory = await mkdtemp(join(tmpdir(), 'numarkdown-bench-'))
    const emptyModule = join(directory, 'empty.mjs')
    await writeFile(emptyModule, '')
    const commands = {
      node: ['-e', '0'],
      esm: [emptyModule],
      help: [cliPath, '--help'],
      version: [cliPath, '--version'],
    }
    let times: Record<keyof typeof commands, number[]>
    try {
      times = timeStartups(commands, rounds)
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
    const rows: BenchmarkRow[] = []
    for (const command of ['help', 'version'] as const) {
      for (const kind of spreadKinds) {
        const ours = spreadOf(times[command])[kind]
        rows.push({
          metric: `numarkdown --${command}, ${kind}`,
          ours,
          baseline: spreadOf(times.node)[kind],
          baselineName: 'node -e 0',
          unit: 'ms',
          ...(command === 'help' && kind === 'median'
            ? { target: `≤ ${targetMs} ms`, pass: ours <= targetMs }
            : {}),
        })
      }
    }
    const overhead = median(times.help) - median(times.node)
    return {
      name: 'cli-startup',
      rows,
      notes: [
        `${rounds} rounds of node -e 0, an empty ES module, numarkdown --help, numarkdown --version in turn ` +
          `(spawn to exit, wall time); medians: node -e 0 ${round(median(times.node))} ms, empty ES module ` +
          `${round(median(times.esm))} ms (the ESM loader's own cost), --help ${round(median(times.help))} ms ` +
          `(${round(overhead)} ms more than a bare node).`,
      ],
    }
  },
}

export default benchmark
