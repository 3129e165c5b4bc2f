/**
 * The server's CPU per job on the scripted engine (instant), beside the floor: a bare `node:http` handler that
 * answers the same routes from memory (`internal/server-floor.ts`), measured in the same run. Both run in their
 * own process; one lean client (undici `request`, a prebuilt multipart body, one SSE read per job, 16 in flight)
 * drives each in turn, round after round, so that load elsewhere on the machine weighs on both alike. The CPU of
 * each server process is read from /proc around each round.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'
import { smallDocument } from '../internal/files.ts'
import { loadServer } from '../internal/packages.ts'
import { runPool } from '../internal/pool.ts'
import { processCpuMs } from '../internal/process-cpu.ts'
import { startServerProcess } from '../internal/servers.ts'
import { median, round } from '../internal/stats.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

const concurrency = 16
const targetRatio = 3
const floorChildPath = fileURLToPath(new URL('../internal/server-floor-child.ts', import.meta.url))

interface Target {
  url: string
  token: string
  pid: number
  close(): Promise<void>
}

async function startFloorProcess(): Promise<Target> {
  const token = randomUUID()
  const child: ChildProcess = fork(floorChildPath, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, NUMIND_API_KEY: token },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const [first] = (await once(child, 'message')) as [{ type: string; url?: string; message?: string }]
  if (first.type !== 'ready' || !first.url) {
    child.kill()
    throw new Error(`the floor server did not start: ${first.message ?? first.type}`)
  }
  return {
    url: first.url,
    token,
    pid: child.pid!,
    async close() {
      const exited = once(child, 'exit')
      child.send({ type: 'close' })
      await exited
    },
  }
}

/** A multipart body holding one `file` part, built once: the client's cost is not what is measured. */
function multipartBody(filename: string, text: string): { body: Buffer; contentType: string } {
  const boundary = `----numarkdown-bench-${randomUUID()}`
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\n` +
        'content-type: text/markdown\r\n\r\n',
    ),
    Buffer.from(text),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
  return { body, contentType: `multipart/form-data; boundary=${boundary}` }
}

/** One job the way the core client does it with SSE: the upload, then one read of the job's stream. */
async function oneJob(
  target: Target,
  dispatcher: Agent,
  document: { body: Buffer; contentType: string },
): Promise<void> {
  const authorization = `Bearer ${target.token}`
  const submitted = await request(`${target.url}/api/markdown/infer-async?temperature=0`, {
    method: 'POST',
    headers: { authorization, 'content-type': document.contentType },
    body: document.body,
    dispatcher,
  })
  if (submitted.statusCode !== 200) {
    throw new Error(`upload answered ${submitted.statusCode}: ${await submitted.body.text()}`)
  }
  const { jobId } = (await submitted.body.json()) as { jobId: string }
  const stream = await request(`${target.url}/api/jobs/${jobId}/stream`, {
    headers: { authorization, accept: 'text/event-stream' },
    dispatcher,
  })
  const events = await stream.body.text()
  if (!events.includes('event: result') || !events.includes('"completed"')) {
    throw new Error(`the job's stream ended without a completed result: ${events.slice(0, 200)}`)
  }
}

/** Server CPU milliseconds per job over `jobs` jobs. */
async function measure(
  target: Target,
  dispatcher: Agent,
  documents: Array<{ body: Buffer; contentType: string }>,
  jobs: number,
): Promise<number> {
  const before = processCpuMs(target.pid)
  await runPool(jobs, concurrency, (index) =>
    oneJob(target, dispatcher, documents[index % documents.length]!),
  )
  return (processCpuMs(target.pid) - before) / jobs
}

const benchmark: Benchmark = {
  name: 'server-cpu',
  description: `server CPU per job on an instant engine against a bare node:http floor, ${concurrency} in flight`,
  async run({ quick }) {
    await loadServer()
    const rounds = quick ? 2 : 7
    const jobsPerRound = quick ? 40 : 600
    const warmUpJobs = quick ? 20 : 600
    const documents = Array.from({ length: 64 }, (_, index) =>
      multipartBody(`doc-${index}.md`, smallDocument(index)),
    )
    const ours = await startServerProcess({ latencyMs: 0, concurrency: 64 })
    const floor = await startFloorProcess()
    const dispatcher = new Agent({ connections: concurrency * 2 })
    const targets = { ours: { ...ours, close: () => ours.close() }, floor }
    const perJob: Record<keyof typeof targets, number[]> = { ours: [], floor: [] }
    try {
      for (const target of Object.values(targets)) await measure(target, dispatcher, documents, warmUpJobs)
      for (let turn = 0; turn < rounds; turn++) {
        for (const [name, target] of Object.entries(targets) as Array<[keyof typeof targets, Target]>) {
          perJob[name].push(await measure(target, dispatcher, documents, jobsPerRound))
        }
      }
    } finally {
      await dispatcher.close().catch(() => {})
      await Promise.all([ours.close(), floor.close()])
    }
    const ratios = perJob.ours.map((value, index) => value / perJob.floor[index]!)
    const statistic = (values: number[], kind: 'min' | 'median' | 'max') =>
      kind === 'min' ? Math.min(...values) : kind === 'max' ? Math.max(...values) : median(values)
    const rows: BenchmarkRow[] = (['min', 'median', 'max'] as const).map((kind) => ({
      metric: `server CPU per job, ${kind} of rounds`,
      ours: statistic(perJob.ours, kind),
      baseline: statistic(perJob.floor, kind),
      baselineName: 'bare node:http floor',
      unit: 'ms',
    }))
    const medianRatio = median(ratios)
    rows.push({
      metric: 'server CPU per job ÷ floor, median of rounds',
      ours: medianRatio,
      unit: '×',
      target: `≤ ${targetRatio}×`,
      pass: medianRatio <= targetRatio,
    })
    return {
      name: 'server-cpu',
      rows,
      notes: [
        `${rounds} rounds of ${jobsPerRound} jobs on each server in turn, after ${warmUpJobs} each to warm up; 2 KiB ` +
          `markdown uploads, ${concurrency} in flight, one upload and one SSE read per job, each server in its own ` +
          'process (its CPU from /proc).',
        `ratio to the floor per round, min–median–max: ${round(Math.min(...ratios))}–${round(medianRatio)}–` +
          `${round(Math.max(...ratios))}×.`,
      ],
    }
  },
}

export default benchmark
