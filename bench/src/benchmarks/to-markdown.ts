/**
 * `toMarkdown` against the code it replaces, reading the file the same way: `createReadStream` → collect the
 * chunks → `client.convert(bytes)`; and against `readFile` + `convert(bytes)`. Many small documents on an instant
 * engine, the same client and concurrency for all three, taking turns round by round; time per round, min,
 * median and max over the rounds.
 */
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { benchDirectory, writeSmallDocuments } from '../internal/files.ts'
import { loadCore, loadStream } from '../internal/packages.ts'
import { runPool } from '../internal/pool.ts'
import { startServerProcess } from '../internal/servers.ts'
import { showSpread, spreadKinds, spreadOf } from '../internal/spread.ts'
import { median } from '../internal/stats.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

const concurrency = 8
const targets = { collected: 1.05, readFile: 1.15 }

/** Discards the markdown. */
function sink(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() })
}

/** The chunks of a read stream, gathered into one buffer. */
async function collect(path: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of createReadStream(path)) chunks.push(chunk as Buffer)
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
}

const benchmark: Benchmark = {
  name: 'to-markdown',
  description: `toMarkdown vs createReadStream → collect → convert(bytes) and readFile + convert(bytes), ${concurrency} in flight`,
  async run({ quick }) {
    const { NuMarkdownClient } = await loadCore()
    const { toMarkdown } = await loadStream()
    const rounds = quick ? 2 : 9
    const perRound = quick ? 40 : 200
    const directory = await benchDirectory('to-markdown')
    const server = await startServerProcess({ latencyMs: 0, concurrency: 64 })
    const client = new NuMarkdownClient({ apiKey: server.token, baseUrl: server.url, concurrency })
    try {
      const paths = await writeSmallDocuments(directory.path, perRound)
      const methods = {
        toMarkdown: (index: number) =>
          pipeline(
            createReadStream(paths[index]!),
            toMarkdown({ client, filename: basename(paths[index]!) }),
            sink(),
          ),
        collected: async (index: number) =>
          client.convert({ data: await collect(paths[index]!), filename: basename(paths[index]!) }),
        readFile: async (index: number) =>
          client.convert({ data: await readFile(paths[index]!), filename: basename(paths[index]!) }),
      }
      type Method = keyof typeof methods
      const names = Object.keys(methods) as Method[]
      for (const name of names) await runPool(quick ? 8 : 100, concurrency, methods[name])
      const wall: Record<Method, number[]> = { toMarkdown: [], collected: [], readFile: [] }
      const ratios: Record<'collected' | 'readFile', number[]> = { collected: [], readFile: [] }
      for (let turn = 0; turn < rounds; turn++) {
        const order = names.map((_, index) => names[(index + turn) % names.length]!)
        const round = {} as Record<Method, number>
        for (const name of order) {
          const started = performance.now()
          await runPool(perRound, concurrency, methods[name])
          round[name] = performance.now() - started
          wall[name].push(round[name])
        }
        ratios.collected.push(round.toMarkdown / round.collected)
        ratios.readFile.push(round.toMarkdown / round.readFile)
      }
      const baselineNames = {
        collected: 'createReadStream → collect → convert(bytes)',
        readFile: 'readFile + convert(bytes)',
      }
      const rows: BenchmarkRow[] = []
      for (const baseline of ['collected', 'readFile'] as const) {
        for (const kind of spreadKinds) {
          rows.push({
            metric: `toMarkdown, ${perRound} documents, ${kind} of rounds`,
            ours: spreadOf(wall.toMarkdown)[kind],
            baseline: spreadOf(wall[baseline])[kind],
            baselineName: baselineNames[baseline],
            unit: 'ms',
          })
        }
        const ratio = median(ratios[baseline])
        rows.push({
          metric: `toMarkdown ÷ ${baseline === 'collected' ? 'collected stream' : 'readFile'}, median of rounds`,
          ours: ratio,
          unit: '×',
          target: `≤ ${targets[baseline]}×`,
          pass: ratio <= targets[baseline],
        })
      }
      const show = (values: number[]) => showSpread(spreadOf(values))
      return {
        name: 'to-markdown',
        rows,
        notes: [
          `${rounds} rounds of ${perRound} conversions of 2 KiB files per method, ${concurrency} in flight, methods ` +
            'taking turns, instant engine, server in its own process.',
          `per-round ratio min–median–max: toMarkdown ÷ collected stream ${show(ratios.collected)}, ` +
            `toMarkdown ÷ readFile ${show(ratios.readFile)}.`,
        ],
      }
    } finally {
      await client.close().catch(() => {})
      await server.close()
      await directory.remove()
    }
  },
}

export default benchmark
