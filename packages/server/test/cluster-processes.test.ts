import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import type { Job as JobJson } from '@numarkdown/protocol'
import { redisAvailable, startTestRedis, type TestRedis } from '@numarkdown/test-redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index.js'
import { client, listDirectory, parseEvents } from './support.js'

// The cluster as users run it: separate processes of the built bin (`pnpm build` comes before `pnpm test`).
const bin = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const token = 'cluster-token-0123456789'

interface Node {
  child: ChildProcess
  output: () => string
  /** The replica's base URL; undefined for a worker. */
  url?: string
}

let redis: TestRedis
let uploads: string
const nodes = new Set<Node>()

beforeAll(async () => {
  if (redisAvailable()) redis = await startTestRedis()
  uploads = await mkdtemp(join(tmpdir(), 'numarkdown-cluster-processes-'))
})
afterEach(async () => {
  await Promise.all([...nodes].map((node) => stop(node, 'SIGKILL')))
})
afterAll(async () => {
  await redis?.close()
  await rm(uploads, { recursive: true, force: true })
})

function launch(args: string[], ready: RegExp): Promise<Node> {
  expect(existsSync(bin), `${bin} is missing: build the package first`).toBe(true)
  const child = spawn(
    process.execPath,
    [bin, '--redis', redis.url, '--upload-dir', uploads, '--engine', 'scripted', '--quiet', ...args],
    { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  const node: Node = { child, output: () => output }
  nodes.add(node)
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const found = ready.exec(output)
      if (found && output.includes('Ctrl+C')) {
        if (found[1]) node.url = found[1]
        resolve(node)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)))
  })
}

function replica(port = 0): Promise<Node> {
  return launch(['--role', 'api', '--port', String(port), '--token', token], /listening on (http:\/\/\S+)/)
}

function worker(latencyMs: number): Promise<Node> {
  return launch(
    [
      '--role',
      'worker',
      '--scripted-latency-ms',
      String(latencyMs),
      '--concurrency',
      '4',
      '--worker-lock-ms',
      '4000',
    ],
    /worker taking jobs/,
  )
}

async function stop(node: Node, signal: NodeJS.Signals): Promise<void> {
  nodes.delete(node)
  if (node.child.exitCode !== null || node.child.signalCode !== null) return
  const exited = new Promise((resolve) => node.child.once('exit', resolve))
  node.child.kill(signal)
  await exited
}

function api(node: Node) {
  return client({ url: node.url! } as RunningServer, token)
}

/**
 * What a client does while servers restart: wait on the job's SSE stream, on whichever replica answers, and
 * connect again whenever the stream breaks before a result.
 */
async function waitForResult(
  replicas: () => Node[],
  jobId: string,
): Promise<{ event: string; job: JobJson }> {
  for (let attempt = 0; ; attempt++) {
    const node = replicas()[attempt % replicas().length]!
    try {
      const { status, raw } = await api(node).stream(jobId)
      const last = parseEvents(raw).filter((event) => event.event !== 'ping')[0]
      if (status === 200 && last) return { event: last.event, job: JSON.parse(last.data) as JobJson }
      if (status !== 200 && status !== 503)
        throw new Error(`the stream of ${jobId} answered ${status}: ${raw}`)
    } catch (error) {
      if (
        !/ECONNREFUSED|ECONNRESET|other side closed|SocketError/i.test(
          String((error as Error)?.message ?? error),
        )
      )
        throw error
    }
    await sleep(100)
  }
}

describe.skipIf(!redisAvailable())('a cluster of separate processes (two replicas, one worker)', () => {
  it('submits on one replica, streams and cancels through the other', async () => {
    const [first, second] = [await replica(), await replica()]
    await worker(1500)
    const jobId = await api(first).submitJob('# Across processes', { filename: 'across.md' })
    const { events } = await api(second).stream(jobId)
    const job = JSON.parse(events.at(-1)!.data) as JobJson
    expect(job.status).toBe('completed')
    expect(JSON.parse(job.outputData!).result).toBe('# Across processes')

    const cancelled = await api(first).submitJob('# Cancelled')
    await expect
      .poll(async () => (await api(second).get(`/api/jobs/${cancelled}`)).json<JobJson>().status)
      .toBe('running')
    expect((await api(second).post(`/api/jobs/${cancelled}/cancel`)).json<JobJson>().status).toBe('cancelled')
    const streamed = JSON.parse((await api(first).stream(cancelled)).events.at(-1)!.data) as JobJson
    expect(streamed).toMatchObject({ status: 'cancelled', errorCode: 'JobCancelled' })
    await expect.poll(() => listDirectory(uploads)).toEqual([])
  })

  it('restarts every node mid-batch (the worker killed with SIGKILL): every job completes, none is lost', {
    timeout: 90_000,
  }, async () => {
    let replicas = [await replica(), await replica()]
    const ports = replicas.map((node) => Number(new URL(node.url!).port))
    let engineWorker = await worker(1500)
    const ids: string[] = []
    for (let index = 0; index < 12; index++) {
      ids.push(
        await api(replicas[index % 2]!).submitJob(`# Document ${index}`, {
          filename: `document-${index}.md`,
        }),
      )
    }
    const results = ids.map((id) => waitForResult(() => replicas, id))
    await expect
      .poll(async () => (await api(replicas[0]!).get(`/api/jobs/${ids[0]}`)).json<JobJson>().status)
      .toBe('running')
    // Every node goes down at once, the worker without a chance to hand its jobs back.
    await Promise.all([stop(engineWorker, 'SIGKILL'), ...replicas.map((node) => stop(node, 'SIGTERM'))])
    replicas = [await replica(ports[0]), await replica(ports[1])]
    engineWorker = await worker(1500)
    const settled = await Promise.all(results)
    for (const [index, { event, job }] of settled.entries()) {
      expect(event, `job ${index}`).toBe('result')
      expect(job.status, `job ${index}: ${job.errorCode} ${job.errorMessage}`).toBe('completed')
      expect(JSON.parse(job.outputData!).result).toBe(`# Document ${index}`)
    }
    const listed = (await api(replicas[1]!).get('/api/jobs?perPage=100')).json<{ totalCount: number }>()
    expect(listed.totalCount).toBeGreaterThanOrEqual(12)
    await expect.poll(() => listDirectory(uploads)).toEqual([])
  })
})
