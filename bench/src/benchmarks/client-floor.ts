/**
 * The client against its floor: the CPU the client spends per job beside the least a client can spend (a bare
 * undici multipart POST and one SSE read, `baselines/client-floor.ts`) and beside the naive fetch + polling
 * client; and the result latency over engine time beside the loopback floor (a small POST round trip plus one
 * server-sent event one way, against a bare `node:http` server). Servers run in their own processes; clients
 * are interleaved round by round, and every figure is given as min, median and max over the rounds.
 */
import { convertAtFloor, floorAgent } from '../../baselines/client-floor.ts'
import { convertWithFetchPolling } from '../../baselines/fetch-polling.ts'
import { benchDirectory, writeSmallDocuments } from '../internal/files.ts'
import { startLoopbackFloor } from '../internal/loopback-floor.ts'
import { loadCore } from '../internal/packages.ts'
import { runPool } from '../internal/pool.ts'
import { startServerProcess } from '../internal/servers.ts'
import { showSpread, spreadKinds, spreadOf } from '../internal/spread.ts'
import { percentile } from '../internal/stats.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

const concurrency = 16
const floorRatioTarget = 1.4
const naiveRatioTarget = 0.6
const engineLatencyMs = 50
const latencyMarginMs = 1

/** Client CPU (user + system) per job over `jobs` conversions at `concurrency` in flight, in milliseconds. */
async function cpuPerJob(jobs: number, convert: (index: number) => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage()
  await runPool(jobs, concurrency, convert)
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1000 / jobs
}

const benchmark: Benchmark = {
  name: 'client-floor',
  description: 'client CPU per job and result latency beside the floor of the transport',
  async run({ quick }) {
    const { NuMarkdownClient } = await loadCore()
    const rounds = quick ? 2 : 7
    const jobsPerRound = quick ? 48 : 400
    const warmUpJobs = quick ? 0 : 300
    const latencySamples = quick ? 3 : 100
    const directory = await benchDirectory('client-floor')
    const instant = await startServerProcess({ latencyMs: 0, concurrency: 64 })
    const timed = await startServerProcess({
      latencyMs: engineLatencyMs,
      concurrency: 64,
      recordEngineTimes: true,
    })
    const loopback = await startLoopbackFloor()
    const agent = floorAgent()
    const options = { apiKey: instant.token, baseUrl: instant.url }
    const client = new NuMarkdownClient({ ...options, waitStrategy: 'sse', concurrency })
    const timedClient = new NuMarkdownClient({ apiKey: timed.token, baseUrl: timed.url, waitStrategy: 'sse' })
    try {
      const paths = await writeSmallDocuments(directory.path, 64)
      const path = (index: number) => paths[index % paths.length]!
      const clients = {
        core: (index: number) => client.convert(path(index)),
        floor: (index: number) => convertAtFloor(path(index), { ...options, agent }),
        naive: (index: number) => convertWithFetchPolling(path(index), { ...options, pollIntervalMs: 0 }),
      }
      type Name = keyof typeof clients
      const names = Object.keys(clients) as Name[]
      if (warmUpJobs > 0) for (const name of names) await cpuPerJob(warmUpJobs, clients[name])
      const cpu: Record<Name, number[]> = { core: [], floor: [], naive: [] }
      const toFloor: number[] = []
      const toNaive: number[] = []
      for (let turn = 0; turn < rounds; turn++) {
        // The order turns each round, so that no client always runs just after another.
        const order = names.map((_, index) => names[(index + turn) % names.length]!)
        const measured = {} as Record<Name, number>
        for (const name of order) measured[name] = await cpuPerJob(jobsPerRound, clients[name])
        for (const name of names) cpu[name].push(measured[name])
        toFloor.push(measured.core / measured.floor)
        toNaive.push(measured.core / measured.naive)
      }

      // Latency: one conversion at a time on a timed engine, each beside one loopback sample. "Over engine" takes
      // off the time the engine call really took (its 50 ms timer runs late by a fraction of a millisecond, which
      // is the engine's, not the transport's); the nominal figures are in the notes.
      const over: number[] = []
      const floorClientOver: number[] = []
      const floorSamples: number[] = []
      const bareJobOver: number[] = []
      const nominal = { core: [] as number[], floorClient: [] as number[], bareJob: [] as number[] }
      const [first] = paths
      const timedOptions = { apiKey: timed.token, baseUrl: timed.url, agent }
      if (!quick) {
        await timedClient.convert(first!)
        await convertAtFloor(first!, timedOptions)
      }
      await timed.engineTimes()
      const engineTime = async () => (await timed.engineTimes())[0] ?? engineLatencyMs
      for (let sample = 0; sample < latencySamples; sample++) {
        let started = performance.now()
        await timedClient.convert(first!)
        let elapsed = performance.now() - started
        over.push(elapsed - (await engineTime()))
        nominal.core.push(elapsed - engineLatencyMs)
        started = performance.now()
        await convertAtFloor(first!, timedOptions)
        elapsed = performance.now() - started
        floorClientOver.push(elapsed - (await engineTime()))
        nominal.floorClient.push(elapsed - engineLatencyMs)
        const { postRoundTripMs, eventOneWayMs } = await loopback.sample()
        floorSamples.push(postRoundTripMs + eventOneWayMs)
        const bare = await loopback.sampleJob(engineLatencyMs)
        bareJobOver.push(bare.overEngineMs)
        nominal.bareJob.push(bare.overNominalMs)
      }

      const rows: BenchmarkRow[] = []
      const floorName = 'client floor: undici request() POST + one SSE read'
      const naiveName = '(a) fetch + back-to-back polling'
      for (const kind of spreadKinds) {
        rows.push({
          metric: `client CPU per job, ${kind} of rounds`,
          ours: spreadOf(cpu.core)[kind],
          baseline: spreadOf(cpu.floor)[kind],
          baselineName: floorName,
          unit: 'ms',
        })
      }
      const floorRatios = spreadOf(toFloor)
      const naiveRatios = spreadOf(toNaive)
      rows.push(
        {
          metric: 'client CPU per job ÷ floor, median of rounds',
          ours: floorRatios.median,
          unit: '×',
          target: `≤ ${floorRatioTarget}×`,
          pass: floorRatios.median <= floorRatioTarget,
        },
        {
          metric: 'client CPU per job, median of rounds',
          ours: spreadOf(cpu.core).median,
          baseline: spreadOf(cpu.naive).median,
          baselineName: naiveName,
          unit: 'ms',
        },
        {
          metric: 'client CPU per job ÷ naive, median of rounds',
          ours: naiveRatios.median,
          unit: '×',
          target: `≤ ${naiveRatioTarget}×`,
          pass: naiveRatios.median <= naiveRatioTarget,
        },
      )
      const overP50 = percentile(over, 50)
      const floorP50 = percentile(floorSamples, 50)
      rows.push({
        metric: 'p50 result latency over engine, core SSE',
        ours: overP50,
        baseline: floorP50,
        baselineName: 'loopback floor: POST round trip + one SSE event',
        unit: 'ms',
        target: `≤ floor + ${latencyMarginMs} ms`,
        pass: overP50 <= floorP50 + latencyMarginMs,
      })
      const floorClientP50 = percentile(floorClientOver, 50)
      rows.push({
        metric: 'p50 result latency over engine, core SSE',
        ours: overP50,
        baseline: floorClientP50,
        baselineName: 'client floor on the same server',
        unit: 'ms',
        target: `≤ client floor + ${latencyMarginMs} ms`,
        pass: overP50 <= floorClientP50 + latencyMarginMs,
      })
      rows.push({
        metric: 'p50 result latency over engine, core SSE',
        ours: overP50,
        baseline: percentile(bareJobOver, 50),
        baselineName: `bare server + bare client, a ${engineLatencyMs} ms timer job`,
        unit: 'ms',
      })
      const show = showSpread
      return {
        name: 'client-floor',
        rows,
        notes: [
          `${rounds} interleaved rounds of ${jobsPerRound} conversions of 2 KiB files per client, ${concurrency} ` +
            `in flight, instant engine, server in its own process, after ${warmUpJobs} to warm up.`,
          `client CPU per job min–median–max (ms): core ${show(spreadOf(cpu.core))}, floor ${show(spreadOf(cpu.floor))}, ` +
            `naive ${show(spreadOf(cpu.naive))}; per-round ratio core ÷ floor ${show(floorRatios)}, ` +
            `core ÷ naive ${show(naiveRatios)}.`,
          `latency: ${latencySamples} conversions one at a time on a ${engineLatencyMs} ms engine, each followed by ` +
            'one loopback sample; over engine min–p50–max ' +
            `${show(spreadOf(over))} ms, client floor on the same ` +
            `server ${show(spreadOf(floorClientOver))} ` +
            'ms (what the server adds over the loopback floor is in both), loopback floor ' +
            `${show(spreadOf(floorSamples))} ms, the same exchanges on a bare server with a ${engineLatencyMs} ms ` +
            `timer job (both processes sleep through it, as in a real conversion) ${show(spreadOf(bareJobOver))} ms; ` +
            `each over the engine call's own time. Over the nominal ${engineLatencyMs} ms: core ` +
            `${show(spreadOf(nominal.core))}, client floor ${show(spreadOf(nominal.floorClient))}, bare server ` +
            `${show(spreadOf(nominal.bareJob))} ms.`,
        ],
      }
    } finally {
      await Promise.allSettled([client.close(), timedClient.close(), agent.close(), loopback.close()])
      await Promise.allSettled([instant.close(), timed.close()])
      await directory.remove()
    }
  },
}

export default benchmark
