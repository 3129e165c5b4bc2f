import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { type FaultPlan, type RunningServer, scriptedEngine, startServer } from '../src/index.js'
import { client, tokens } from './support.js'

let server: RunningServer

afterEach(async () => {
  await server?.close()
})

async function jobCount(): Promise<number> {
  return (await client(server).get('/api/jobs')).json<{ totalCount: number }>().totalCount
}

describe('submit faults', () => {
  it.each([500, 503, 408] as const)('answers %i before a job is created', async (status) => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'submit', fault: { type: 'status', status }, count: 1 }] },
    })
    const api = client(server)
    const reply = await api.submit()
    expect(reply.status).toBe(status)
    expect(reply.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) })
    expect(await jobCount()).toBe(0)
    expect(server.requests[0]).toMatchObject({ route: 'submit', status, fault: 'status' })
    expect(server.requests[0]!.jobId).toBeUndefined()
    expect((await api.submit()).status).toBe(200)
  })

  it.each([502, 504] as const)('answers %i after the job was created', async (status) => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'submit', fault: { type: 'status', status } }] },
    })
    const reply = await client(server).submit()
    expect(reply.status).toBe(status)
    expect(await jobCount()).toBe(1)
    expect(server.requests[0]!.jobId).toEqual(expect.any(String))
  })

  it('answers a custom body for a status fault', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'submit', fault: { type: 'status', status: 503, body: 'upstream down' } }] },
    })
    const reply = await client(server).submit()
    expect(reply.status).toBe(503)
    expect(reply.text).toBe('upstream down')
  })

  it('answers 429 with Retry-After before a job is created', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'submit', fault: { type: 'rateLimit', retryAfterSeconds: 2 }, count: 1 }] },
    })
    const reply = await client(server).submit()
    expect(reply.status).toBe(429)
    expect(reply.headers['retry-after']).toBe('2')
    expect(reply.json()).toMatchObject({ code: 'RateLimited' })
    expect(await jobCount()).toBe(0)
  })

  it('resets the connection before reading the body: no job', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'submit', fault: { type: 'reset', when: 'before' } }] },
    })
    await expect(client(server).submit()).rejects.toThrow()
    expect(await jobCount()).toBe(0)
    await expect.poll(() => server.requests[0]?.status).toBe(0)
    expect(server.requests[0]!.fault).toBe('reset')
  })

  it('resets the connection after the job was created', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'submit', fault: { type: 'reset', when: 'after' } }] },
    })
    await expect(client(server).submit()).rejects.toThrow()
    expect(await jobCount()).toBe(1)
    await expect.poll(() => server.requests[0]?.jobId).toEqual(expect.any(String))
  })

  it('answers malformed JSON after the job was created', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'submit', fault: { type: 'malformedJson' } }] },
    })
    const reply = await client(server).submit()
    expect(reply.status).toBe(200)
    expect(() => JSON.parse(reply.text)).toThrow()
    expect(await jobCount()).toBe(1)
  })

  it('delays the answer', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'submit', fault: { type: 'delay', ms: 60 } }] },
    })
    const reply = await client(server).submit()
    expect(reply.status).toBe(200)
    expect(server.requests[0]!.fault).toBe('delay')
    expect(server.requests[0]!.durationMs).toBeGreaterThanOrEqual(55)
  })
  it.each([
    { type: 'status', status: 502 },
    { type: 'reset', when: 'after' },
    { type: 'malformedJson' },
  ] as const)(
    'answers a refused query as such when the $type fault would come after the job',
    async (fault) => {
      server = await startServer({
        engine: scriptedEngine(),
        tokens,
        faults: { rules: [{ route: 'submit', fault }] },
      })
      const reply = await client(server).submit(undefined, { query: '?temperature=5' })
      expect(reply.status).toBe(400)
      expect(reply.text).toBe('Invalid value for: query parameter temperature')
      expect(await jobCount()).toBe(0)
      expect(server.requests[0]!.fault).toBe(fault.type)
    },
  )
})

describe('faults on other routes', () => {
  it('applies skip and count', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'getJob', fault: { type: 'status', status: 500 }, skip: 1, count: 2 }] },
    })
    const api = client(server)
    const jobId = await api.submitJob()
    const statuses: number[] = []
    for (let index = 0; index < 4; index += 1) statuses.push((await api.get(`/api/jobs/${jobId}`)).status)
    expect(statuses).toEqual([200, 500, 500, 200])
  })

  it('draws probabilities from the seed: same seed, same faults', async () => {
    const plan: FaultPlan = {
      seed: 42,
      rules: [{ route: 'list', fault: { type: 'status', status: 503 }, probability: 0.5 }],
    }
    const runs: number[][] = []
    for (let run = 0; run < 2; run += 1) {
      server = await startServer({ engine: scriptedEngine(), tokens, faults: plan })
      const statuses: number[] = []
      for (let index = 0; index < 20; index += 1)
        statuses.push((await client(server).get('/api/jobs')).status)
      runs.push(statuses)
      await server.close()
    }
    expect(runs[0]).toEqual(runs[1])
    expect(runs[0]).toContain(200)
    expect(runs[0]).toContain(503)
  })

  it('applies a rule for every route with *', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: '*', fault: { type: 'rateLimit', retryAfterSeconds: 1 } }] },
    })
    const api = client(server)
    expect((await api.get('/api/jobs')).status).toBe(429)
    expect((await api.get('/api/jobs/x')).status).toBe(429)
    expect((await api.post('/api/jobs/x/cancel')).status).toBe(429)
    expect((await api.submit()).status).toBe(429)
  })

  it('answers malformed JSON when reading a job', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'getJob', fault: { type: 'malformedJson' } }] },
    })
    const api = client(server)
    const reply = await api.get(`/api/jobs/${await api.submitJob()}`)
    expect(reply.status).toBe(200)
    expect(() => JSON.parse(reply.text)).toThrow()
  })

  it('resets a cancel after performing it', async () => {
    const engine = scriptedEngine({ outcome: 'hang' })
    server = await startServer({
      tokens,
      engine,
      faults: { rules: [{ route: 'cancel', fault: { type: 'reset', when: 'after' }, count: 1 }] },
    })
    const api = client(server)
    const jobId = await api.submitJob()
    await expect(api.post(`/api/jobs/${jobId}/cancel`)).rejects.toThrow()
    expect((await api.get(`/api/jobs/${jobId}`)).json().status).toBe('cancelled')
  })

  it('resets a read before answering', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'list', fault: { type: 'reset', when: 'before' }, count: 1 }] },
    })
    await expect(client(server).get('/api/jobs')).rejects.toThrow()
    expect((await client(server).get('/api/jobs')).status).toBe(200)
  })
  it('resets a read of an unknown job instead of its 404', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'getJob', fault: { type: 'reset', when: 'after' }, count: 1 }] },
    })
    await expect(client(server).get('/api/jobs/no-such-job')).rejects.toThrow()
    expect((await client(server).get('/api/jobs/no-such-job')).status).toBe(404)
  })
})

describe('stream faults', () => {
  it('drops the stream after N events', async () => {
    const engine = scriptedEngine({ hold: true })
    server = await startServer({
      tokens,
      engine,
      pingIntervalMs: 10,
      faults: { rules: [{ route: 'stream', fault: { type: 'dropStream', afterEvents: 2 }, count: 1 }] },
    })
    const api = client(server)
    const jobId = await api.submitJob()
    await engine.gate.whenWaiting()
    const dropped = await api.stream(jobId)
    expect(dropped.events).toEqual([
      { event: 'ping', data: '' },
      { event: 'ping', data: '' },
    ])
    engine.gate.release()
    const again = await api.stream(jobId)
    expect(again.events.at(-1)!.event).toBe('result')
  })

  it('drops the stream before any event, even for a finished job', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'stream', fault: { type: 'dropStream', afterEvents: 0 } }] },
    })
    const api = client(server)
    const jobId = await api.submitJob()
    await expect.poll(async () => (await api.get(`/api/jobs/${jobId}`)).json().status).toBe('completed')
    const dropped = await api.stream(jobId)
    expect(dropped.status).toBe(200)
    expect(dropped.raw).toBe('')
  })

  it('sends a result event whose data is not JSON', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'stream', fault: { type: 'malformedJson' } }] },
    })
    const api = client(server)
    const { events } = await api.stream(await api.submitJob())
    expect(events).toHaveLength(1)
    expect(events[0]!.event).toBe('result')
    expect(() => JSON.parse(events[0]!.data)).toThrow()
  })

  it('answers 503 on the stream route', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'stream', fault: { type: 'status', status: 503 }, count: 1 }] },
    })
    const api = client(server)
    const jobId = await api.submitJob()
    const response = await request(`${server.url}/api/jobs/${jobId}/stream`, {
      headers: { authorization: 'Bearer token-alice' },
    })
    expect(response.statusCode).toBe(503)
    await response.body.dump()
  })
  it('drops a stream reset after it opened before any event', async () => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'stream', fault: { type: 'reset', when: 'after' } }] },
    })
    const api = client(server)
    const dropped = await api.stream(await api.submitJob())
    expect(dropped.status).toBe(200)
    expect(dropped.raw).toBe('')
  })

  it('sends a result event whose data is not JSON for a timed-out job too', async () => {
    server = await startServer({
      tokens,
      engine: scriptedEngine({ outcome: 'hang' }),
      faults: { rules: [{ route: 'stream', fault: { type: 'malformedJson' } }] },
    })
    const api = client(server)
    const { events } = await api.stream(await api.submitJob(undefined, { query: '?timeout=50ms' }))
    expect(events).toEqual([{ event: 'result', data: '{"id": "truncated", "status": ' }])
  })

  it.each([
    { type: 'reset', when: 'after' },
    { type: 'malformedJson' },
    { type: 'dropStream', afterEvents: 0 },
  ] as const)('answers the stream of an unknown job 404 under a $type fault', async (fault) => {
    server = await startServer({
      engine: scriptedEngine(),
      tokens,
      faults: { rules: [{ route: 'stream', fault }] },
    })
    const reply = await client(server).get('/api/jobs/no-such-job/stream')
    expect(reply.status).toBe(404)
    expect(reply.json()).toEqual({ code: 'NotFound', message: 'No job with ID no-such-job' })
  })
})

describe('options', () => {
  it('rejects a bad fault plan and bad options, naming the value', async () => {
    await expect(
      startServer({
        engine: scriptedEngine(),
        tokens,
        faults: { rules: [{ route: 'submit', fault: { type: 'delay', ms: 1 }, probability: 2 }] },
      }),
    ).rejects.toThrow('probability must be within 0..1, got 2')
    await expect(startServer({ engine: scriptedEngine(), tokens, concurrency: 0 })).rejects.toThrow(
      'startServer options: expected an integer concurrency ≥ 1, got 0',
    )
  })
})
