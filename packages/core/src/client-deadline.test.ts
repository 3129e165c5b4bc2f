import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { scriptedEngine } from '@numarkdown/server'
import { eventually, setup, testToken } from '@numarkdown/testing'
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import { NuMarkdownClient } from './client.js'
import { AbortError, TimeoutError } from './errors.js'

/** A request the holding server received and has not answered. */
interface Held {
  route: string
  jobId: string | undefined
  request: IncomingMessage
  response: ServerResponse
}

/**
 * A server that accepts every request, reads its body and answers only when the test says so: the server that
 * "accepts and never answers". Jobs it is told to create answer their stream with nothing at all.
 */
async function holdingServer() {
  const held: Held[] = []
  const server = createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      const path = request.url ?? ''
      const route = path.includes('/cancel')
        ? 'cancel'
        : path.includes('/stream')
          ? 'stream'
          : path.includes('infer-async')
            ? 'submit'
            : 'other'
      held.push({ route, jobId: /\/api\/jobs\/([^/?]+)/.exec(path)?.[1], request, response })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  const logged: string[] = []
  const log = (message: string) => logged.push(message)
  const client = new NuMarkdownClient({
    apiKey: testToken,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requestTimeoutMs: 60_000,
    logger: { debug: log, info: log, warn: log, error: log },
  })
  onTestFinished(() => client.close())
  return { held, client, logged, of: (route: string) => held.filter((entry) => entry.route === route) }
}

/** Every unhandled rejection while a test runs: a background cancel must never produce one. */
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeEach(() => {
  unhandled.length = 0
  process.on('unhandledRejection', onUnhandled)
})
afterEach(() => {
  process.off('unhandledRejection', onUnhandled)
  expect(unhandled).toEqual([])
})

describe('a deadline is a deadline', () => {
  it('ends an upload the server never answers at the deadline, and cancels the late job in the background', async () => {
    const { client, of } = await holdingServer()
    const error = await client
      .convert({ data: Buffer.from('never answered'), filename: 'n.txt' }, { timeoutMs: 1000 })
      .catch((caught) => caught)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.code).toBe('deadline_exceeded')
    // The call has ended while the server still holds the upload: nothing waited for a grace period.
    await eventually(() => of('submit').length === 1)
    const [upload] = of('submit')
    expect(upload?.response.writable).toBe(true)
    upload!.response.writeHead(200, { 'content-type': 'application/json' })
    upload!.response.end(JSON.stringify({ jobId: 'late-job' }))
    await eventually(() => of('cancel').length === 1)
    expect(of('cancel')[0]?.jobId).toBe('late-job')
    of('cancel')[0]!.response.end(JSON.stringify({ status: 'cancelled' }))
  })

  it('ends a wait at the deadline while its remote cancel is still unanswered', async () => {
    const { client, of, logged } = await holdingServer()
    const submitting = client.submit({ data: Buffer.from('held'), filename: 'h.txt' })
    await eventually(() => of('submit').length === 1)
    of('submit')[0]!.response.end(JSON.stringify({ jobId: 'job-1' }))
    const { jobId } = await submitting
    const error = await client.wait(jobId, { timeoutMs: 300 }).catch((caught) => caught)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.jobId).toBe('job-1')
    // The cancel goes out when the call ends, and the call did not wait for its answer: it arrives now.
    await eventually(() => of('cancel').length === 1)
    expect(of('cancel')[0]?.jobId).toBe('job-1')
    of('cancel')[0]!.response.end(JSON.stringify({ status: 'cancelled' }))
    await eventually(() => logged.includes('numarkdown cancel of job job-1 after abort: done'))
  })

  it('ends an aborted wait at once, and client.close() finishes the cancel first', async () => {
    const { client, of, logged } = await holdingServer()
    const controller = new AbortController()
    const waiting = client.wait('job-2', { signal: controller.signal }).catch((caught) => caught)
    await eventually(() => of('stream').length === 1)
    controller.abort()
    expect(await waiting).toBeInstanceOf(AbortError)
    await eventually(() => of('cancel').length === 1)
    expect(client.cancelling).toEqual(['job-2'])
    let closed = false
    const closing = client.close().then(() => {
      closed = true
    })
    // close() waits for the cancel it has to finish.
    await new Promise((resolve) => setImmediate(resolve))
    expect(closed).toBe(false)
    of('cancel')[0]!.response.end(JSON.stringify({ status: 'cancelled' }))
    await closing
    expect(closed).toBe(true)
    expect(logged).toContain('numarkdown cancel of job job-2 after abort: done')
    expect(client.cancelling).toEqual([])
  })

  it('client.close() after an abort mid-upload waits for the job ID, then cancels that job', async () => {
    const { client, of, logged } = await holdingServer()
    const controller = new AbortController()
    const converting = client
      .convert({ data: Buffer.from('aborted in flight'), filename: 'a.txt' }, { signal: controller.signal })
      .catch((caught) => caught)
    // The server has the whole upload (it may be creating the job) and has not answered yet.
    await eventually(() => of('submit').length === 1)
    controller.abort()
    expect(await converting).toBeInstanceOf(AbortError)
    // The program closes its client at once, as a command does on Ctrl-C: the job must not be left running.
    let closed = false
    const closing = client.close().then(() => {
      closed = true
    })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(closed).toBe(false)
    of('submit')[0]!.response.end(JSON.stringify({ jobId: 'job-3' }))
    await eventually(() => of('cancel').length === 1)
    expect(of('cancel')[0]?.jobId).toBe('job-3')
    of('cancel')[0]!.response.end(JSON.stringify({ status: 'cancelled' }))
    await closing
    expect(logged).toContain('numarkdown cancel of job job-3 after abort: done')
  })

  it('leaves no unhandled rejection when the late answer never comes', async () => {
    const { client, held, of } = await holdingServer()
    const error = await client
      .convert({ data: Buffer.from('dropped later'), filename: 'd.txt' }, { timeoutMs: 1000 })
      .catch((caught) => caught)
    expect(error).toBeInstanceOf(TimeoutError)
    // The server drops the held upload: the background wait for its job ID fails, quietly.
    await eventually(() => of('submit').length === 1)
    of('submit')[0]!.request.socket.destroy()
    await client.close()
    expect(held.filter((entry) => entry.route === 'cancel')).toHaveLength(0)
  })

  it('against the real server, a deadline during the wait still cancels the job', async () => {
    const { client, server } = await setup(NuMarkdownClient, { engine: scriptedEngine({ outcome: 'hang' }) })
    const { jobId } = await client.submit(Buffer.from('late'))
    const error = await client.wait(jobId, { timeoutMs: 200 }).catch((caught) => caught)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.jobId).toBe(jobId)
    await eventually(() =>
      server.server.requests.some((entry) => entry.route === 'cancel' && entry.status === 200),
    )
    expect((await client.getJob(jobId)).status).toBe('cancelled')
  })
})
