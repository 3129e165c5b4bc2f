import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Job as JobJson } from '@numarkdown/protocol'
import { redisAvailable, startTestRedis, type TestRedis } from '@numarkdown/test-redis'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import {
  createServer,
  type Engine,
  type RunningServer,
  type RunningWorker,
  type ServerOptions,
  scriptedEngine,
  startServer,
  startWorker,
  type WorkerOptions,
} from '../src/index.js'
import { startAnswer, startHoldingProxy } from './holding-proxy.js'
import { client, listDirectory, tokens } from './support.js'

let redis: TestRedis
let uploads: string
let prefix: string
const nodes: Array<RunningServer | RunningWorker> = []

beforeAll(async () => {
  if (redisAvailable()) redis = await startTestRedis()
})
afterAll(async () => {
  await redis?.close()
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

describe.skipIf(!redisAvailable())('cluster mode (two API replicas, one worker, a real Redis)', () => {
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

  it('cancels through the other replica a job running on the worker: the engine is aborted, and the upload goes once its call returned', async () => {
    let aborted = false
    let letGo: () => void = () => {}
    const returned = new Promise<void>((resolve) => {
      letGo = resolve
    })
    let started = false
    const engine: Engine = {
      name: 'slow-to-stop',
      async convert(_document, _params, signal) {
        started = true
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
        aborted = true
        // Still reading the upload for a while after the abort.
        await returned
        throw signal.reason
      },
    }
    const [first, second] = [await replica(), await replica()]
    await worker(engine)
    const jobId = await client(first).submitJob()
    // The engine call itself, not only the record's `running`: the worker watches the job from before the call.
    await expect.poll(() => started).toBe(true)
    expect((await client(second).get(`/api/jobs/${jobId}`)).json<JobJson>().status).toBe('running')
    const streamed = client(first).stream(jobId)
    const cancelled = await client(second).post(`/api/jobs/${jobId}/cancel`)
    expect(cancelled.status).toBe(200)
    expect(cancelled.json()).toMatchObject({ id: jobId, status: 'cancelled', errorCode: 'JobCancelled' })
    expect(JSON.parse((await streamed).events[0]!.data)).toMatchObject({ status: 'cancelled' })
    await expect.poll(() => aborted).toBe(true)
    expect(await listDirectory(uploads)).toHaveLength(1)
    letGo()
    await expect.poll(() => listDirectory(uploads)).toEqual([])
    // The cancel stands: the engine's failure after it changes nothing.
    expect((await client(first).get(`/api/jobs/${jobId}`)).json()).toMatchObject({ status: 'cancelled' })
  })

  it('never calls the engine for a job cancelled between its start on the worker and the watch of it', async () => {
    const calls: boolean[] = []
    const engine: Engine = {
      name: 'records-its-calls',
      async convert(_document, _params, signal) {
        // Whether the call came with its signal aborted already: an engine may well not look.
        calls.push(signal.aborted)
        if (signal.aborted) throw signal.reason
        return { result: '# done', reasoning: '' }
      },
    }
    const [first, second] = [await replica(), await replica()]
    // The worker reaches Redis through a proxy that holds the answer to the job's start: the record says
    // `running` while the worker does not know yet that it has the job, nor watches it.
    const proxy = await startHoldingProxy(redis.url, startAnswer)
    // Closed after the nodes (afterEach): the worker still talks to Redis through it while it stops.
    onTestFinished(() => proxy.close())
    await worker(engine, { redis: proxy.url })
    const jobId = await client(first).submitJob()
    await proxy.holding
    expect((await client(second).get(`/api/jobs/${jobId}`)).json<JobJson>().status).toBe('running')
    const cancelled = await client(second).post(`/api/jobs/${jobId}/cancel`)
    expect(cancelled.json()).toMatchObject({ status: 'cancelled' })
    proxy.release()
    await expect.poll(() => listDirectory(uploads)).toEqual([])
    expect(calls).toEqual([])
    expect((await client(first).get(`/api/jobs/${jobId}`)).json()).toMatchObject({ status: 'cancelled' })
    // The worker goes on with the next job.
    const next = await client(first).submitJob('# Next', { filename: 'next.md' })
    expect(JSON.parse((await client(second).stream(next)).events[0]!.data).status).toBe('completed')
    expect(calls).toEqual([false])
  })

  it('cancels a pending job through any replica; no worker runs it afterwards', async () => {
    const engine = scriptedEngine()
    const [first, second] = [await replica(), await replica()]
    const jobId = await client(first).submitJob()
    expect((await client(second).post(`/api/jobs/${jobId}/cancel`)).json<JobJson>().status).toBe('cancelled')
    await expect.poll(() => listDirectory(uploads)).toEqual([])
    await worker(engine)
    const later = await client(first).submitJob('# Later', { filename: 'later.md' })
    expect(JSON.parse((await client(second).stream(later)).events[0]!.data).status).toBe('completed')
    expect(engine.calls.map((call) => call.document.filename)).toEqual(['later.md'])
  })

  it('times a job out on the worker and tells the stream of the other replica JobTimeout', async () => {
    const [first, second] = [await replica(), await replica()]
    await worker(scriptedEngine({ outcome: 'hang' }))
    const jobId = await client(first).submitJob('x', { query: '?timeout=300ms' })
    const expected = {
      event: 'error',
      data: JSON.stringify({
        code: 'JobTimeout',
        message: 'The job ran past its execution timeout of 300 ms',
      }),
    }
    expect((await client(second).stream(jobId)).events).toEqual([expected])
    expect((await client(first).get(`/api/jobs/${jobId}`)).json()).toMatchObject({
      status: 'timeout',
      errorCode: 'JobTimeout',
    })
    await expect.poll(() => listDirectory(uploads)).toEqual([])
  })

  it('answers 206 on any replica for a partial result', async () => {
    const [first, second] = [await replica(), await replica()]
    await worker(scriptedEngine({ outcome: 'partial' }))
    const jobId = await client(first).submitJob('# Partial')
    await client(second).stream(jobId)
    const reply = await client(second).get(`/api/jobs/${jobId}`)
    expect(reply.status).toBe(206)
    expect(JSON.parse(reply.json<JobJson>().outputData!)).toMatchObject({
      result: '# Partial',
      reasoning: '',
      rawResponse: '<answer># Partial</answer>',
    })
  })

  it("lists an owner's jobs from both replicas, newest first, paginated, by organization", async () => {
    const [first, second] = [await replica(), await replica()]
    const ids: string[] = []
    for (let index = 0; index < 5; index += 1) {
      ids.push(await client(index % 2 === 0 ? first : second).submitJob(`# ${index}`))
    }
    await client(first, 'token-bob').submitJob()
    const page = (await client(second).get('/api/jobs?skip=1&perPage=2')).json<{
      totalCount: number
      items: JobJson[]
    }>()
    expect(page.totalCount).toBe(5)
    expect(page.items.map((job) => job.id)).toEqual([ids[3], ids[2]])
    const all = (await client(first).get('/api/jobs')).json<{ items: JobJson[] }>()
    expect(all.items.map((job) => job.id)).toEqual([...ids].reverse())
    expect((await client(second, 'token-bob').get('/api/jobs')).json()).toMatchObject({ totalCount: 1 })
    expect((await client(second).get('/api/jobs?organization=acme')).json()).toMatchObject({ totalCount: 5 })
    expect((await client(second).get('/api/jobs?organization=other')).json()).toMatchObject({ totalCount: 0 })
    const bobsJob = all.items[0]!.id
    expect((await client(second, 'token-bob').get(`/api/jobs/${bobsJob}`)).status).toBe(403)
  })

  it('forgets a finished job on every replica after its time to live', async () => {
    const [first, second] = [await replica({ jobTtlMs: 100 }), await replica()]
    await worker(scriptedEngine())
    const jobId = await client(first).submitJob()
    await client(second).stream(jobId)
    await expect.poll(async () => (await client(second).get(`/api/jobs/${jobId}`)).status).toBe(404)
    expect((await client(second).get('/api/jobs')).json()).toMatchObject({ totalCount: 0, items: [] })
  })

  it('derives the same owner for a plain-string token on every replica', async () => {
    const plain = ['plain-token-0123456789']
    const [first, second] = [await replica({ tokens: plain }), await replica({ tokens: plain })]
    const jobId = await client(first, plain[0]!).submitJob()
    const read = await client(second, plain[0]!).get(`/api/jobs/${jobId}`)
    expect(read.status).toBe(200)
    expect(read.json<JobJson>().ownerUser).toMatch(/^user-[0-9a-f]{16}$/)
    // A configured secret gives the owner names of that secret instead.
    const configured = await replica({ tokens: plain, ownerSecret: 'a-secret-of-this-cluster' })
    expect((await client(configured, plain[0]!).get(`/api/jobs/${jobId}`)).status).toBe(403)
  })

  it('hands a running job back to the queue when its worker stops, and another worker completes it', async () => {
    const [first, second] = [await replica(), await replica()]
    const stopping = scriptedEngine({ hold: true })
    const leaving = await worker(stopping)
    const jobId = await client(first).submitJob('# Handed back', { filename: 'back.md' })
    await stopping.gate.whenWaiting(1)
    const streamed = client(second).stream(jobId)
    await leaving.close()
    expect((await client(first).get(`/api/jobs/${jobId}`)).json<JobJson>().status).toBe('pending')
    expect(await listDirectory(uploads)).toHaveLength(1)
    const taking = scriptedEngine()
    await worker(taking)
    const job = JSON.parse((await streamed).events[0]!.data) as JobJson
    expect(job.status).toBe('completed')
    expect(JSON.parse(job.outputData!).result).toBe('# Handed back')
    expect(taking.calls).toHaveLength(1)
    await expect.poll(() => listDirectory(uploads)).toEqual([])
  })

  it('queues again a pending job that never reached the queue', async () => {
    const first = await replica()
    const jobId = await client(first).submitJob('# Orphan')
    // As if the replica had died between storing the record and queueing it.
    const { Queue } = await import('bullmq')
    const queue = new Queue('engine', { connection: { url: redis.url }, prefix: `${prefix}:queue` })
    expect(await queue.remove(jobId)).toBe(1)
    await queue.close()
    await worker(scriptedEngine(), { workerLockMs: 300 })
    const job = JSON.parse((await client(first).stream(jobId)).events[0]!.data) as JobJson
    expect(job.status).toBe('completed')
  })

  it('fails a job with a clear reason when the worker cannot see its upload', async () => {
    const first = await replica()
    const elsewhere = await mkdtemp(join(tmpdir(), 'numarkdown-cluster-elsewhere-'))
    try {
      await worker(scriptedEngine(), { spoolDirectory: elsewhere })
      const job = JSON.parse((await client(first).stream(await client(first).submitJob())).events[0]!.data)
      expect(job).toMatchObject({ status: 'failed', errorCode: 'UploadMissing' })
      expect(job.errorMessage).toContain('--upload-dir')
    } finally {
      await rm(elsewhere, { recursive: true, force: true })
    }
  })

  it('applies a replica’s fault plan there only: a job created before a 502 is read through the other', async () => {
    const faulty = await replica({
      faults: { rules: [{ route: 'submit', fault: { type: 'status', status: 502 } }] },
    })
    const healthy = await replica()
    await worker(scriptedEngine())
    const refused = await client(faulty).submit('# Made anyway')
    expect(refused.status).toBe(502)
    await expect
      .poll(async () => (await client(healthy).get('/api/jobs')).json<{ totalCount: number }>().totalCount)
      .toBe(1)
    const [job] = (await client(healthy).get('/api/jobs')).json<{ items: JobJson[] }>().items
    expect(JSON.parse((await client(healthy).stream(job!.id)).events[0]!.data).status).toBe('completed')
  })

  it('rejects cluster options without redis, an engine on an api replica, and a bad Redis URL', async () => {
    await expect(startServer({ tokens, role: 'api' })).rejects.toThrow(
      'options.role is for cluster mode: give options.redis as well',
    )
    await expect(
      startServer({ tokens, redis: redis.url, role: 'api', engine: scriptedEngine() }),
    ).rejects.toThrow("options.engine is not used with role 'api'")
    expect(() => createServer({ engine: scriptedEngine(), tokens, redis: redis.url })).toThrow(
      'createServer options: redis (cluster mode) connects to Redis before serving: use startServer instead',
    )
    await expect(
      startServer({ engine: scriptedEngine(), tokens, redis: 'http://user:hunter2@example.com' }),
    ).rejects.toThrow(
      'options.redis must be a Redis URL such as redis://127.0.0.1:6379, got http://example.com',
    )
  })
})

describe.skipIf(!redisAvailable())('cluster mode while Redis is away', () => {
  it('answers 503 and keeps no refused upload while Redis is away', async () => {
    const own = await startTestRedis()
    try {
      const server = await startServer({ tokens, redis: own.url, role: 'api', spoolDirectory: uploads })
      nodes.push(server)
      const jobId = await client(server).submitJob()
      await own.close()
      const read = await client(server).get(`/api/jobs/${jobId}`)
      expect(read.status).toBe(503)
      expect(read.headers['retry-after']).toBe('1')
      expect(read.json()).toMatchObject({ code: 'ServiceUnavailable' })
      const submitted = await client(server).submit()
      expect(submitted.status).toBe(503)
      // The first job's upload stays for its worker; the refused one is gone.
      expect(await listDirectory(uploads)).toHaveLength(1)
    } finally {
      await own.close()
    }
  })

  it('names the Redis URL, without its password, when it cannot connect at start', async () => {
    const unreachable = 'redis://someone:hunter2@127.0.0.1:1'
    const attempt = startServer({ engine: scriptedEngine(), tokens, redis: unreachable })
    await expect(attempt).rejects.toThrow(
      /^Could not connect to Redis at redis:\/\/127\.0\.0\.1:1 within 10000 ms/,
    )
    await expect(attempt).rejects.not.toThrow(/hunter2/)
  })
})
