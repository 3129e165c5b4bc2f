/**
 * `toMarkdown` against the code it replaces, reading the file the same way: `createReadStream` → collect the
 * chunks → `client.convert(bytes)`; and against `readFile` + `convert(bytes)`. Many small documents on an instant
 * engine, the same client and concurrency for all, taking turns round by round; time and this process's CPU per
 * round, min, median and max over the rounds. Beside them, the floors of any stream adapter, in the same rounds:
 * `pipeline(createReadStream, a collecting Writable)` then `convert()` (Node's pipeline with no Duplex at all), and
 * a bare Duplex that collects, converts with an abort signal and pushes the markdown, in the same `pipeline` with
 * the same sink, so that the shares of Node's own stream plumbing and of the adapter in the ratio show apart.
 *
 * Each method's turn starts with a minor collection of the garbage the method before it left (outside its
 * measurement), and the order of the turns is balanced: every method follows every other as often, so that no
 * method always pays for the garbage of the same neighbour.
 */
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { Duplex, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { benchDirectory, writeSmallDocuments } from '../internal/files.ts'
import { type CoreModule, loadCore, loadStream } from '../internal/packages.ts'
import { runPool } from '../internal/pool.ts'
import { startServerProcess } from '../internal/servers.ts'
import { showSpread, spreadKinds, spreadOf } from '../internal/spread.ts'
import { median, round } from '../internal/stats.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

const concurrency = 8
const targets = { collected: 1.05, readFile: 1.15 }

/** Discards the markdown. */
function sink(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() })
}

/**
 * The order of the methods in round `turn`, balanced for what comes just before each (a Williams design): over
 * `2 × count` rounds (`count` when even) every method follows every other equally often.
 */
function balancedOrder(count: number, turn: number): number[] {
  const first = Array.from({ length: count }, (_, index) =>
    index % 2 === 0 ? (count - index / 2) % count : (index + 1) / 2,
  )
  const row = first.map((method) => (method + turn) % count)
  return Math.floor(turn / count) % 2 === 1 && count % 2 === 1 ? row.reverse() : row
}

/** Collects the garbage left by what ran before, when the process allows it (`--expose-gc`). */
function collectYoungGarbage(): void {
  // A minor collection only: a full one throws away the JIT's work and slows the next turn down.
  ;(globalThis as { gc?: (options: { type: string }) => void }).gc?.({ type: 'minor' })
}

/** Collects a document through a plain Writable, in a `pipeline` of its own. */
async function collectThroughPipeline(path: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  await pipeline(
    createReadStream(path),
    new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        chunks.push(chunk)
        callback()
      },
    }),
  )
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
}

/** The chunks of a read stream, gathered into one buffer. */
async function collect(path: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of createReadStream(path)) chunks.push(chunk as Buffer)
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
}

/**
 * The least a stream adapter does around `convert()`: collect the chunks, convert with a signal that destroying
 * it would abort, push the markdown. No validation, spooling, events or clean-up.
 */
function bareDuplex(client: InstanceType<CoreModule['NuMarkdownClient']>, filename: string): Duplex {
  const chunks: Buffer[] = []
  const controller = new AbortController()
  return new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk)
      callback()
    },
    final(callback) {
      const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
      client.convert({ data, filename }, { signal: controller.signal }).then((result) => {
        this.push(Buffer.from(result.markdown, 'utf8'))
        this.push(null)
        callback()
      }, callback)
    },
    read() {},
    destroy(error, callback) {
      controller.abort(error)
      callback(error)
    },
  })
}

/** This process's CPU time (user + system) in milliseconds. */
function cpuMs(): number {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

const benchmark: Benchmark = {
  name: 'to-markdown',
  description: `toMarkdown vs createReadStream → collect → convert(bytes) and readFile + convert(bytes), ${concurrency} in flight`,
  async run({ quick }) {
    const { NuMarkdownClient } = await loadCore()
    const { toMarkdown } = await loadStream()
    // Short rounds, many of them: on a shared machine neighbouring rounds see the same load, so their ratio holds.
    const rounds = quick ? 2 : 30
    const perRound = quick ? 40 : 100
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
        bareDuplex: (index: number) =>
          pipeline(createReadStream(paths[index]!), bareDuplex(client, basename(paths[index]!)), sink()),
        pipelineOnly: async (index: number) =>
          client.convert({
            data: await collectThroughPipeline(paths[index]!),
            filename: basename(paths[index]!),
          }),
      }
      type Method = keyof typeof methods
      const names = Object.keys(methods) as Method[]
      for (const name of names) await runPool(quick ? 8 : 100, concurrency, methods[name])
      const byMethod = () =>
        Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<Method, number[]>
      const wall = byMethod()
      const cpu = byMethod()
      type Ratio = 'collected' | 'readFile' | 'bareDuplex'
      const ratios: Record<Ratio, number[]> = { collected: [], readFile: [], bareDuplex: [] }
      const cpuRatios: Record<Ratio, number[]> = { collected: [], readFile: [], bareDuplex: [] }
      /** The floors ÷ the collected baseline, per round: `pipeline` with no Duplex, then with the bare Duplex. */
      const floorCpu = { pipelineOnly: [] as number[], bareDuplex: [] as number[] }
      for (let turn = 0; turn < rounds; turn++) {
        const order = balancedOrder(names.length, turn).map((index) => names[index]!)
        const round = {} as Record<Method, number>
        const roundCpu = {} as Record<Method, number>
        for (const name of order) {
          collectYoungGarbage()
          const started = performance.now()
          const cpuStarted = cpuMs()
          await runPool(perRound, concurrency, methods[name])
          roundCpu[name] = cpuMs() - cpuStarted
          round[name] = performance.now() - started
          wall[name].push(round[name])
          cpu[name].push((roundCpu[name] * 1000) / perRound)
        }
        for (const baseline of ['collected', 'readFile', 'bareDuplex'] as const) {
          ratios[baseline].push(round.toMarkdown / round[baseline])
          cpuRatios[baseline].push(roundCpu.toMarkdown / roundCpu[baseline])
        }
        floorCpu.pipelineOnly.push(roundCpu.pipelineOnly / roundCpu.collected)
        floorCpu.bareDuplex.push(roundCpu.bareDuplex / roundCpu.collected)
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
        const label = baseline === 'collected' ? 'collected stream' : 'readFile'
        rows.push({
          metric: `toMarkdown ÷ ${label}, median of rounds`,
          ours: ratio,
          unit: '×',
          target: `≤ ${targets[baseline]}×`,
          pass: ratio <= targets[baseline],
        })
        rows.push({
          metric: `toMarkdown ÷ ${label}, client CPU, median of rounds`,
          ours: median(cpuRatios[baseline]),
          unit: '×',
        })
      }
      rows.push({
        metric: 'client CPU per document, pipeline(createReadStream, a collecting Writable) then convert()',
        ours: median(cpu.pipelineOnly),
        baseline: median(cpu.collected),
        baselineName: baselineNames.collected,
        unit: 'µs',
      })
      rows.push({
        metric: 'client CPU per document, median of rounds',
        ours: median(cpu.toMarkdown),
        baseline: median(cpu.bareDuplex),
        baselineName: 'a bare Duplex in the same pipeline',
        unit: 'µs',
      })
      for (const [kind, values] of [
        ['time', ratios.bareDuplex],
        ['client CPU', cpuRatios.bareDuplex],
      ] as const) {
        rows.push({
          metric: `toMarkdown ÷ bare Duplex in the same pipeline, ${kind}, median of rounds`,
          ours: median(values),
          unit: '×',
        })
      }
      const floor = median(ratios.bareDuplex.map((ratio, index) => ratios.collected[index]! / ratio))
      const pipelineFloor = median(wall.pipelineOnly.map((time, index) => time / wall.collected[index]!))
      const show = (values: number[]) => showSpread(spreadOf(values))
      return {
        name: 'to-markdown',
        rows,
        notes: [
          `${rounds} rounds of ${perRound} conversions of 2 KiB files per method, ${concurrency} in flight, methods ` +
            'taking turns in a balanced order, each turn after a minor GC, instant engine, server in its own process.',
          `per-round ratio min–median–max: toMarkdown ÷ collected stream ${show(ratios.collected)}, ` +
            `toMarkdown ÷ readFile ${show(ratios.readFile)}, toMarkdown ÷ bare Duplex ${show(ratios.bareDuplex)}; ` +
            `client CPU: ÷ collected ${show(cpuRatios.collected)}, ÷ readFile ${show(cpuRatios.readFile)}, ` +
            `÷ bare Duplex ${show(cpuRatios.bareDuplex)}.`,
          `the bare Duplex in the same pipeline ÷ collected stream (what Node's pipeline, a Duplex and a sink cost ` +
            `before any adapter code), median of rounds: ${round(floor)}× time, ${show(floorCpu.bareDuplex)} client CPU; ` +
            `pipeline(createReadStream, a collecting Writable) then convert(), no Duplex: ${round(pipelineFloor)}× time, ` +
            `${show(floorCpu.pipelineOnly)} client CPU.`,
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
