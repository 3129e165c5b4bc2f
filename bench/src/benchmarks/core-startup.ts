/**
 * What importing the client costs: a process that imports `@numarkdown/core` against one that imports undici
 * alone (the transport the client cannot do without) and a bare `node -e 0`, in the same rounds. Whatever the
 * client loads beyond undici at import (pdf-lib for page splitting, say) shows here; it should load when used.
 * Each round runs each command once, in turn, so the machine's load weighs on all of them alike; wall time from
 * spawn to exit, min, median and max over the rounds.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { spreadKinds, spreadOf } from '../internal/spread.ts'
import { median, round } from '../internal/stats.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'
import { skip } from '../skip.ts'

const corePath = fileURLToPath(new URL('../../../packages/core/dist/index.js', import.meta.url))
const targetOverMs = 30

/** Wall time of one `node --input-type=module -e <code>` in milliseconds; throws when it fails. */
function timeRun(code: string): number {
  const started = performance.now()
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const elapsed = performance.now() - started
  if (result.status !== 0) throw new Error(`node -e ${code} exited ${result.status}: ${result.stderr}`)
  return elapsed
}

const benchmark: Benchmark = {
  name: 'core-startup',
  description: 'importing @numarkdown/core against importing undici alone, same rounds',
  async run({ quick }) {
    if (!existsSync(corePath)) skip('packages/core is not built (pnpm --filter @numarkdown/core build)')
    const undiciPath = createRequire(corePath).resolve('undici')
    const rounds = quick ? 5 : 30
    const commands = {
      node: '0',
      undici: `await import(${JSON.stringify(pathToFileURL(undiciPath).href)})`,
      core: `await import(${JSON.stringify(pathToFileURL(corePath).href)})`,
    }
    type Name = keyof typeof commands
    // One round first that is not counted: the file system cache warms up.
    for (const code of Object.values(commands)) timeRun(code)
    const times: Record<Name, number[]> = { node: [], undici: [], core: [] }
    for (let turn = 0; turn < rounds; turn++) {
      for (const [name, code] of Object.entries(commands) as Array<[Name, string]>)
        times[name].push(timeRun(code))
    }
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
