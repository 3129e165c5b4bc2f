import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  type Engine,
  type RunningServer,
  type RunningWorker,
  type ServerOptions,
  scriptedEngine,
  startServer,
  startWorker,
  type WorkerOptions,
} from '../src/index.js'
import { redisServerAvailable, startRedisServer, type TestRedis } from './redis-server.js'
import { client, listDirectory, tokens } from './support.js'

interface JobJson {
  id: string
  status: string
  ownerUser: string
  outputData?: string
  errorCode?: string
  errorMessage?: string
  startedAt: string
  completedAt?: string
}

let redis: TestRedis
let uploads: string
let prefix: string
const nodes: Array<RunningServer | RunningWorker> = []

beforeAll(async () => {
  if (redisServerAvailable()) redis = await startRedisServer()
})
afterAll(async () => {
  await redis?.stop()
})
beforeEach(async () => {
  uploads = await mkdtemp(join(tmpdir(), 'numarkdown-cluster-uploads-'))
  // Each test has its own keys in the shared Redis.
  prefix = `test-${randomUUID()}`
})
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.close()))
  await rm(uploads, { recursive: true, force: true })
})

/** An API replica of the test's cluster. */
async function replica(options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({
    tokens,
    redis: redis.url,
    redisPrefix: prefix,
    role: 'api',
    spoolDirectory: uploads,
    ...options,
  })
  nodes.push(server)
  return server
}

/** An engine worker of the test's cluster. */
async function worker(engine: Engine, options: Partial<WorkerOptions> = {}): Promise<RunningWorker> {
  const running = await startWorker({
    redis: redis.url,
    redisPrefix: prefix,
    engine,
    spoolDirectory: uploads,
    ...options,
  })
  nodes.push(running)
  return running
}

describe.skipIf(!redisServerAvailable())('cluster mode (two API replicas, one worker, a real Redis)', () => {
  it('delivers by SSE on one replica the result of a job submitted to the other and run by the worker', async () => {
    const engine = scriptedEngine({ hold: true })
    const [first, second] = [await replica(), await replica()]
    await worker(engine)
    const jobId = await client(first).submitJob('# Far away', { filename: 'far.md' })
    await engine.gate.whenWaiting(1)
    const running = (await client(second).get(`/api/jobs/${jobId}`)).json<JobJson>()
    expect(running.status).toBe('running')
    const streamed = client(second).stream(jobId)
    await expect.poll(() => second.requests.some((entry) => entry.route === 'stream')).toBe(true)
    engine.gate.release()
    const { events } = await streamed
    expect(events.map((event) => event.event)).toEqual(['result'])
    const job = JSON.parse(events[0]!.data) as JobJson
    expect(job).toMatchObject({ id: jobId, status: 'completed', ownerUser: 'alice' })
    expect(JSON.parse(job.outputData!).result).toBe('# Far away')
    expect((await client(first).get(`/api/jobs/${jobId}`)).json()).toEqual(job)
    await expect.poll(() => listDirectory(uploads)).toEqual([])
  })
})
