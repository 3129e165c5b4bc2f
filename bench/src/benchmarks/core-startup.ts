/**
 * What importing the client costs: a process that imports `@numarkdown/core` against one that imports undici
 * alone (the transport the client cannot do without) and a bare `node -e 0`, in the same rounds. Whatever the
 * client loads beyond undici at import (pdf-lib for page splitting, say) shows here; it should load when used.
 * Each round runs each command once, in turn, so the machine's load weighs on all of them alike; wall time from
 * spawn to exit, min, median and max over the rounds.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { spreadKinds, spreadOf } from '../internal/spread.ts'
import { timeStartups } from '../internal/startup-rounds.ts'
import { median, round } from '../internal/stats.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'
import { skip } from '../skip.ts'

const corePath = fileURLToPath(new URL('../../../packages/core/dist/index.js', import.meta.url))
const targetOverMs = 30

const benchmark: Benchmark = {
  name: 'core-startup',
  description: 'importing @numarkdown/core against importing undici alone, same rounds',
  async run({ quick }) {
    if (!existsSync(corePath)) skip('packages/core is not built (pnpm --filter @numarkdown/core build)')
    const undiciPath = createRequire(corePath).resolve('undici')
    const rounds = quick ? 5 : 30
    const commands = {
      node: ['-e', '0'],
      undici: [
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(pathToFileURL(undiciPath).href)})`,
      ],
      core: ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(corePath).href)})`],
    }
    const times = timeStartups(commands, rounds)
    const rows: BenchmarkRow[] = []
    for (const kind of spreadKinds) {
      rows.push({
        metric: `import @numarkdown/core, ${kind}`,
        ours: spreadOf(times.core)[kind],
        baseline: spreadOf(times.undici)[kind],
        baselineName: 'import undici',
        unit: 'ms',
      })
    }
    const overMs = median(times.core) - median(times.undici)
    rows.push({
      metric: 'import @numarkdown/core − import undici, medians',
      ours: overMs,
      unit: 'ms',
      target: `≤ ${targetOverMs} ms`,
      pass: overMs <= targetOverMs,
    })
    return {
      name: 'core-startup',
      rows,
      notes: [
        `${rounds} rounds of node -e 0, a process importing undici, one importing @numarkdown/core, in turn ` +
          `(spawn to exit, wall time); medians: node -e 0 ${round(median(times.node))} ms, undici ` +
          `${round(median(times.undici))} ms, core ${round(median(times.core))} ms.`,
      ],
    }
  },
}

export default benchmark
