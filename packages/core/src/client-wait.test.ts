import { scriptedEngine } from '@numarkdown/server'
import { eventually, nextSubmitted, setup, type TestServer } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { NuMarkdownClient } from './client.js'
import { AbortError, APIError, JobTimeoutError, TimeoutError } from './errors.js'
import type { ProgressEvent } from './types.js'

const routesOf = (server: TestServer) => server.server.requests.map((entry) => entry.route)

describe('waiting over SSE', () => {
  it('reconnects after a dropped stream, reading the job once in between', async () => {
    const engine = scriptedEngine({ hold: true })
    const { client, server, events } = await setup(NuMarkdownClient, {
      engine,
      faults: { rules: [{ route: 'stream', fault: { type: 'dropStream', afterEvents: 0 }, count: 2 }] },
    })
    const converting = client.convert(
      { data: Buffer.from('dropped'), filename: 'd.txt' },
      { strategy: 'sse' },
    )
    await eventually(() => routesOf(server).filter((route) => route === 'stream').length >= 3)
    engine.gate.open()
    expect((await converting).markdown).toBe('dropped')
    const routes = routesOf(server)
    expect(routes.slice(0, 6)).toEqual(['submit', 'stream', 'getJob', 'stream', 'getJob', 'stream'])
    expect(
      events
        .filter((event) => event.type === 'retry')
        .every((event) => event.type === 'retry' && event.operation === 'wait'),
    ).toBe(true)
  })

  it('treats a stream silent for twice the ping interval as dropped', async () => {
    const engine = scriptedEngine({ hold: true })
    const { client, server, events } = await setup(
      NuMarkdownClient,
      { engine, pingIntervalMs: 600_000 },
      { pingIntervalMs: 50 },
    )
    const converting = client.convert({ data: Buffer.from('silent'), filename: 's.txt' }, { strategy: 'sse' })
    await eventually(() => routesOf(server).filter((route) => route === 'stream').length >= 2)
    engine.gate.open()
    expect((await converting).markdown).toBe('silent')
    const retried = events.find((event) => event.type === 'retry')
    expect(retried?.type === 'retry' && retried.error.message).toBe(
      `The event stream of job ${retried?.type === 'retry' ? retried.jobId : ''} dropped: no event for 100 ms`,
    )
  })

  it('keeps a stream with pings open', async () => {
    const engine = scriptedEngine({ hold: true })
    const { client, server } = await setup(
      NuMarkdownClient,
      { engine, pingIntervalMs: 20 },
      { pingIntervalMs: 2_000 },
    )
    const converting = client.convert({ data: Buffer.from('pinged'), filename: 'p.txt' })
    await engine.gate.whenWaiting(1)
    await new Promise((resolve) => setTimeout(resolve, 100))
    engine.gate.open()
    expect((await converting).markdown).toBe('pinged')
    expect(routesOf(server)).toEqual(['submit', 'stream'])
  })

  it("falls back to polling with 'auto' when the server has no stream, and fails with 'sse'", async () => {
    const unsupported = { type: 'status', status: 501 } as const
    const { client, server } = await setup(NuMarkdownClient, {
      faults: { rules: [{ route: 'stream', fault: unsupported }] },
    })
    const result = await client.convert({ data: Buffer.from('polled'), filename: 'p.txt' })
    expect(result.markdown).toBe('polled')
    expect(routesOf(server)).toContain('getJob')

    const engine = scriptedEngine({ hold: true })
    const other = await setup(NuMarkdownClient, {
      engine,
      faults: { rules: [{ route: 'stream', fault: unsupported }] },
    })
    const strict = other.client.convert({ data: Buffer.from('x'), filename: 'x.txt' }, { strategy: 'sse' })
    await expect(strict).rejects.toMatchObject({ status: 501 })
    await expect(strict).rejects.toBeInstanceOf(APIError)
  })

  it('falls back to polling when the stream keeps failing', async () => {
    const engine = scriptedEngine({ hold: true })
    const { client, server } = await setup(NuMarkdownClient, {
      engine,
      faults: { rules: [{ route: 'stream', fault: { type: 'status', status: 500 } }] },
    })
    const converting = client.convert({ data: Buffer.from('fallback'), filename: 'f.txt' })
    await eventually(() => routesOf(server).filter((route) => route === 'getJob').length >= 5)
    engine.gate.open()
    expect((await converting).markdown).toBe('fallback')
    expect(routesOf(server).filter((route) => route === 'stream')).toHaveLength(3)
  })

  it('raises JobTimeoutError from the SSE error event and from a polled timeout status', async () => {
    const { client } = await setup(NuMarkdownClient, { engine: scriptedEngine({ outcome: 'hang' }) })
    const overSse = await client
      .convert(Buffer.from('x'), { timeout: '50ms', strategy: 'sse' })
      .catch((error) => error)
    expect(overSse).toBeInstanceOf(JobTimeoutError)
    expect(overSse).toMatchObject({ code: 'JobTimeout' })
    const polled = await client
      .convert(Buffer.from('x'), { timeout: 50, strategy: 'poll' })
      .catch((error) => error)
    expect(polled).toBeInstanceOf(JobTimeoutError)
    expect(polled.jobId).toBeTruthy()
  })
})

describe('abort and deadline', () => {
  it('cancels the remote job when aborted mid-wait', async () => {
    const engine = scriptedEngine({ hold: true })
    const { client, server } = await setup(NuMarkdownClient, { engine })
    const controller = new AbortController()
    const submitted = nextSubmitted(client)
    const events: ProgressEvent[] = []
    const converting = client.convert(Buffer.from('abort me'), {
      signal: controller.signal,
      onProgress: (event) => events.push(event),
    })
    const jobId = await submitted
    await engine.gate.whenWaiting(1)
    controller.abort()
    const error = await converting.catch((caught) => caught)
    expect(error).toBeInstanceOf(AbortError)
    expect(error.jobId).toBe(jobId)
    // The call ends at once; the cancel goes out in the background.
    await eventually(() => routesOf(server).includes('cancel'))
    expect(
      server.server.requests.filter((entry) => entry.route === 'cancel').map((entry) => entry.jobId),
    ).toEqual([jobId])
    await eventually(() =>
      server.server.requests.some((entry) => entry.route === 'cancel' && entry.status === 200),
    )
    expect((await client.getJob(jobId)).status).toBe('cancelled')
    expect(events.at(-1)).toMatchObject({ type: 'failed', jobId })
  })

  it('cancels the job of a submit aborted after its body was sent', async () => {
    const { client, server } = await setup(NuMarkdownClient, {
      faults: { rules: [{ route: 'submit', fault: { type: 'delay', ms: 300 }, count: 1 }] },
    })
    const controller = new AbortController()
    const converting = client.convert(
      { data: Buffer.from('late answer'), filename: 'l.txt' },
      {
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type === 'upload') setTimeout(() => controller.abort(), 50)
        },
      },
    )
    const error = await converting.catch((caught) => caught)
    expect(error).toBeInstanceOf(AbortError)
    // The call ended without waiting for the job ID; the job is cancelled once its ID arrives.
    await eventually(() => routesOf(server).includes('cancel'))
    const created = server.server.requests.find((entry) => entry.route === 'submit')?.jobId
    expect(created).toBeTruthy()
    expect(server.server.requests.find((entry) => entry.route === 'cancel')?.jobId).toBe(created)
  })

  it('cancels the remote job when the deadline passes', async () => {
    const { client, server } = await setup(NuMarkdownClient, { engine: scriptedEngine({ outcome: 'hang' }) })
    const error = await client
      .convert({ data: Buffer.from('late'), filename: 'late.txt' }, { timeoutMs: 500 })
      .catch((caught) => caught)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.code).toBe('deadline_exceeded')
    // Wherever the deadline fell (upload or wait), the job the server created is cancelled.
    await eventually(() => routesOf(server).includes('cancel'))
    const created = server.server.requests.find((entry) => entry.route === 'submit')?.jobId
    expect(server.server.requests.find((entry) => entry.route === 'cancel')?.jobId).toBe(created)
  })

  it('leaves the job alone with cancelOnAbort: false', async () => {
    const engine = scriptedEngine({ hold: true })
    const { client, server } = await setup(NuMarkdownClient, { engine })
    const { jobId } = await client.submit(Buffer.from('keep'))
    const controller = new AbortController()
    const waiting = client.wait(jobId, { signal: controller.signal, cancelOnAbort: false })
    await engine.gate.whenWaiting(1)
    controller.abort()
    await expect(waiting).rejects.toBeInstanceOf(AbortError)
    expect(routesOf(server)).not.toContain('cancel')
  })

  it('aborts a conversion still queued behind the concurrency limit without sending it', async () => {
    const engine = scriptedEngine({ hold: true })
    const { client, server } = await setup(NuMarkdownClient, { engine }, { concurrency: 1 })
    const first = client.convert({ data: Buffer.from('first'), filename: 'first.txt' })
    await engine.gate.whenWaiting(1)
    const controller = new AbortController()
    const second = client.convert(
      { data: Buffer.from('second'), filename: 'second.txt' },
      { signal: controller.signal },
    )
    controller.abort()
    await expect(second).rejects.toBeInstanceOf(AbortError)
    engine.gate.open()
    expect((await first).markdown).toBe('first')
    expect(routesOf(server).filter((route) => route === 'submit')).toHaveLength(1)
  })

  it('reports an older server without cancel as not supported', async () => {
    const { client } = await setup(NuMarkdownClient, {
      faults: { rules: [{ route: 'cancel', fault: { type: 'status', status: 405 } }] },
    })
    const { jobId } = await client.submit(Buffer.from('x'))
    expect(await client.cancel(jobId)).toEqual({ cancelled: false, supported: false })
  })
})
