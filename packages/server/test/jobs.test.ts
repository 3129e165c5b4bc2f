import type { AddressInfo } from 'node:net'
import type { Job as JobJson } from '@numarkdown/protocol'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, EngineError, type RunningServer, scriptedEngine, startServer } from '../src/index.js'
import { serverStarter, storeKinds } from './stores.js'
import { client, tokens } from './support.js'

let server: RunningServer

afterEach(async () => {
  await server?.close()
})

const isoDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

describe.each(storeKinds)('%s store', (store) => {
  const startServer = serverStarter(store)

  describe('authentication and routing', () => {
    it('answers 401 without a token, with a wrong token, or with another scheme', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens })
      for (const bearer of [null, 'nope', 'token-alicex', 'TOKEN-ALICE', '']) {
        const reply = await client(server, bearer).get('/api/jobs')
        expect(reply.status).toBe(401)
        expect(reply.json()).toEqual({ code: 'Unauthorized', message: 'A valid bearer token is required' })
      }
      const basic = await request(`${server.url}/api/jobs`, {
        headers: { authorization: 'Basic dG9rZW4tYWxpY2U=' },
      })
      expect(basic.statusCode).toBe(401)
      await basic.body.dump()
      const submit = await client(server, 'wrong').submit()
      expect(submit.status).toBe(401)
    })

    it('answers 401 to everyone when no token is configured', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens: [] })
      expect((await client(server).get('/api/jobs')).status).toBe(401)
    })

    it('never echoes the token', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens })
      const reply = await client(server, 'secret-value-123').get('/api/jobs')
      expect(reply.text).not.toContain('secret-value-123')
    })

    it('answers 404 JSON for an unknown route and an unknown job', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens })
      const api = client(server)
      const route = await api.get('/api/nothing')
      expect(route.status).toBe(404)
      expect(route.json()).toMatchObject({ code: 'NotFound' })
      for (const path of ['/api/jobs/missing', '/api/jobs/missing/stream']) {
        const reply = await api.get(path)
        expect(reply.status).toBe(404)
        expect(reply.json()).toEqual({ code: 'NotFound', message: 'No job with ID missing' })
      }
      const cancel = await api.post('/api/jobs/missing/cancel')
      expect(cancel.status).toBe(404)
    })

    it('answers 405 with Allow for a wrong method', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens })
      const api = client(server)
      const cases = [
        ['GET', '/api/markdown/infer-async', 'POST'],
        ['DELETE', '/api/jobs/x', 'GET'],
        ['POST', '/api/jobs', 'GET'],
        ['GET', '/api/jobs/x/cancel', 'POST'],
        ['PUT', '/api/jobs/x/stream', 'GET'],
      ] as const
      for (const [method, path, allow] of cases) {
        const reply = await api.send(method, path)
        expect(reply.status, `${method} ${path}`).toBe(405)
        expect(reply.headers.allow).toBe(allow)
        expect(reply.json()).toMatchObject({ code: 'MethodNotAllowed' })
      }
    })

    it("answers 403 for another owner's job on every job route", async () => {
      server = await startServer({ engine: scriptedEngine(), tokens })
      const jobId = await client(server).submitJob()
      const bob = client(server, 'token-bob')
      for (const reply of [
        await bob.get(`/api/jobs/${jobId}`),
        await bob.get(`/api/jobs/${jobId}/stream`),
        await bob.post(`/api/jobs/${jobId}/cancel`),
      ]) {
        expect(reply.status).toBe(403)
        expect(reply.json()).toMatchObject({ code: 'Forbidden' })
      }
    })

    it('survives garbage requests', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens })
      const api = client(server)
      expect((await api.get('/api/jobs/%E0%A4%A')).status).toBe(404)
      expect((await api.get('/api/jobs?skip=%zz')).status).toBe(400)
      const { connect } = await import('node:net')
      await new Promise<void>((resolve) => {
        const socket = connect(server.port, '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'))
        socket.on('close', () => resolve())
        socket.on('error', () => resolve())
        socket.resume()
      })
      expect((await api.get('/api/jobs')).status).toBe(200)
    })
  })

  describe('GET /api/jobs/{jobId}', () => {
    it('shows the lifecycle pending → running → completed with ISO timestamps', async () => {
      const engine = scriptedEngine({ hold: true })
      server = await startServer({ tokens, engine, concurrency: 1 })
      const api = client(server)
      const first = await api.submitJob('# One', { filename: 'one.md' })
      const second = await api.submitJob('# Two', { filename: 'two.md' })
      await engine.gate.whenWaiting(1)
      expect((await api.get(`/api/jobs/${first}`)).json<JobJson>().status).toBe('running')
      const pending = (await api.get(`/api/jobs/${second}`)).json<JobJson>()
      expect(pending.status).toBe('pending')
      expect(pending.completedAt).toBeUndefined()
      expect(pending.outputData).toBeUndefined()
      engine.gate.release('one.md')
      await engine.gate.whenWaiting(1)
      expect(engine.gate.waiting.map((document) => document.filename)).toEqual(['two.md'])
      const reply = await api.get(`/api/jobs/${first}`)
      expect(reply.status).toBe(200)
      const job = reply.json<JobJson>()
      expect(job).toMatchObject({ id: first, jobType: 'markdown', status: 'completed', ownerUser: 'alice' })
      expect(job.ownerOrganization).toBe('acme')
      for (const field of ['startedAt', 'completedAt', 'createdAt', 'updatedAt'] as const) {
        expect(job[field]).toMatch(isoDate)
      }
      const output = JSON.parse(job.outputData!)
      expect(output.result).toBe('# One')
      expect(output.reasoning).toContain('one.md')
      expect(output.rawResponse).toBeUndefined()
      expect(output.totalTokens).toBe(output.inputTokens + output.outputTokens)
      engine.gate.release()
    })

    it('summarises a binary input by filename, size and SHA-256', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens })
      const api = client(server)
      const jobId = await api.submitJob(new Uint8Array([1, 2, 3]), {
        filename: 'scan.png',
        contentType: 'image/png',
      })
      const { events } = await api.stream(jobId)
      const output = JSON.parse(JSON.parse(events[0]!.data).outputData)
      expect(output.result).toBe(
        '# scan.png\n\n- Content type: image/png\n- Size: 3 bytes\n' +
          '- SHA-256: 039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81\n',
      )
    })

    it('answers 206 with rawResponse for a partial result', async () => {
      server = await startServer({ tokens, engine: scriptedEngine({ outcome: 'partial' }) })
      const api = client(server)
      const jobId = await api.submitJob('# Partial')
      await api.stream(jobId)
      const reply = await api.get(`/api/jobs/${jobId}`)
      expect(reply.status).toBe(206)
      const output = JSON.parse(reply.json<JobJson>().outputData!)
      expect(output).toMatchObject({
        result: '# Partial',
        reasoning: '',
        rawResponse: '<answer># Partial</answer>',
      })
    })

    it('answers 206 with the raw output cut before </answer>', async () => {
      server = await startServer({ tokens, engine: scriptedEngine({ outcome: 'truncated' }) })
      const api = client(server)
      const jobId = await api.submitJob('# Cut')
      await api.stream(jobId)
      const reply = await api.get(`/api/jobs/${jobId}`)
      expect(reply.status).toBe(206)
      const output = JSON.parse(reply.json<JobJson>().outputData!)
      expect(output.result).toBe('')
      expect(output.reasoning).toBe('')
      expect(output.rawResponse).toMatch(/^<think>.+<\/think><answer># Cut$/)
    })

    it('fails a job with the code and message of an EngineError, or EngineFailure otherwise', async () => {
      server = await startServer({
        tokens,
        engine: {
          name: 'throwing',
          async convert(document) {
            if (document.filename === 'coded.md')
              throw new EngineError('Unreadable', 'The file is unreadable')
            throw new Error('boom')
          },
        },
      })
      const api = client(server)
      const coded = await api.submitJob('x', { filename: 'coded.md' })
      const plain = await api.submitJob('x', { filename: 'plain.md' })
      await api.stream(coded)
      await api.stream(plain)
      expect((await api.get(`/api/jobs/${coded}`)).json()).toMatchObject({
        status: 'failed',
        errorCode: 'Unreadable',
        errorMessage: 'The file is unreadable',
      })
      const failed = (await api.get(`/api/jobs/${plain}`)).json<JobJson>()
      expect(failed).toMatchObject({ status: 'failed', errorCode: 'EngineFailure', errorMessage: 'boom' })
      expect(failed.outputData).toBeUndefined()
    })

    it('chooses outcomes per document', async () => {
      const engine = scriptedEngine({
        outcome: (document) =>
          document.filename.startsWith('bad')
            ? { type: 'fail', code: 'Corrupt', message: 'Corrupt file' }
            : 'complete',
      })
      server = await startServer({ tokens, engine })
      const api = client(server)
      const good = await api.submitJob('x', { filename: 'good.md' })
      const bad = await api.submitJob('x', { filename: 'bad.md' })
      expect(JSON.parse((await api.stream(good)).events[0]!.data).status).toBe('completed')
      expect(JSON.parse((await api.stream(bad)).events[0]!.data)).toMatchObject({
        status: 'failed',
        errorCode: 'Corrupt',
        errorMessage: 'Corrupt file',
      })
    })

    it('times a job out after its timeout', async () => {
      const engine = scriptedEngine({ outcome: 'hang' })
      server = await startServer({ tokens, engine })
      const api = client(server)
      const jobId = await api.submitJob('x', { query: '?timeout=50ms' })
      await api.stream(jobId)
      expect((await api.get(`/api/jobs/${jobId}`)).json()).toMatchObject({
        status: 'timeout',
        errorCode: 'JobTimeout',
        errorMessage: 'The job ran past its execution timeout of 50 ms',
      })
    })

    it('forgets finished jobs after jobTtlMs', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens, jobTtlMs: 20 })
      const api = client(server)
      const jobId = await api.submitJob()
      await api.stream(jobId)
      await expect.poll(async () => (await api.get(`/api/jobs/${jobId}`)).status).toBe(404)
    })
  })

  describe('GET /api/jobs', () => {
    it('lists the caller’s jobs, newest first, with skip and perPage', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens })
      const alice = client(server)
      const ids: string[] = []
      for (let index = 0; index < 5; index += 1) ids.push(await alice.submitJob(`# ${index}`))
      await client(server, 'token-bob').submitJob()
      const page = (await alice.get('/api/jobs?skip=1&perPage=2')).json<{
        totalCount: number
        skip: number
        perPage: number
        items: JobJson[]
      }>()
      expect(page.totalCount).toBe(5)
      expect(page.skip).toBe(1)
      expect(page.perPage).toBe(2)
      expect(page.items.map((job) => job.id)).toEqual([ids[3], ids[2]])
      const all = (await alice.get('/api/jobs')).json<{ perPage: number; items: JobJson[] }>()
      expect(all.perPage).toBe(30)
      expect(all.items.map((job) => job.id)).toEqual([...ids].reverse())
      const bob = (await client(server, 'token-bob').get('/api/jobs')).json<{ totalCount: number }>()
      expect(bob.totalCount).toBe(1)
    })

    it('filters by organization', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens })
      const alice = client(server)
      await alice.submitJob()
      expect((await alice.get('/api/jobs?organization=acme')).json()).toMatchObject({ totalCount: 1 })
      expect((await alice.get('/api/jobs?organization=other')).json()).toMatchObject({ totalCount: 0 })
    })

    it.each([
      ['skip=-1', 'skip'],
      ['skip=x', 'skip'],
      ['perPage=0', 'perPage'],
      ['perPage=101', 'perPage'],
      ['perPage=2.5', 'perPage'],
    ])('answers 400 for %s', async (query, name) => {
      server = await startServer({ engine: scriptedEngine(), tokens })
      const reply = await client(server).get(`/api/jobs?${query}`)
      expect(reply.status).toBe(400)
      expect(reply.text).toBe(`Invalid value for: query parameter ${name}`)
    })
  })

  describe('POST /api/jobs/{jobId}/cancel', () => {
    it('cancels a running job, aborting the engine, and a pending one', async () => {
      const engine = scriptedEngine({ outcome: 'hang' })
      server = await startServer({ tokens, engine, concurrency: 1 })
      const api = client(server)
      const running = await api.submitJob('x', { filename: 'running.md' })
      const pending = await api.submitJob('x', { filename: 'pending.md' })
      const streamed = api.stream(running)
      const cancelled = await api.post(`/api/jobs/${running}/cancel`)
      expect(cancelled.status).toBe(200)
      expect(cancelled.json()).toMatchObject({ id: running, status: 'cancelled', errorCode: 'JobCancelled' })
      expect(JSON.parse((await streamed).events[0]!.data).status).toBe('cancelled')
      // The slot freed by the cancel goes to the pending job, which hangs in turn.
      await expect
        .poll(async () => (await api.get(`/api/jobs/${pending}`)).json<JobJson>().status)
        .toBe('running')
      expect((await api.post(`/api/jobs/${pending}/cancel`)).json<JobJson>().status).toBe('cancelled')
      expect(engine.calls.map((call) => call.document.filename)).toEqual(['running.md', 'pending.md'])
    })

    it('leaves a finished job as it is', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens })
      const api = client(server)
      const jobId = await api.submitJob()
      await api.stream(jobId)
      const reply = await api.post(`/api/jobs/${jobId}/cancel`)
      expect(reply.status).toBe(200)
      expect(reply.json<JobJson>().status).toBe('completed')
    })
  })
})

describe('createServer()', () => {
  it('embeds in a Node server whose close() ends open streams', async () => {
    const embedded = createServer({ tokens, engine: scriptedEngine({ outcome: 'hang' }) })
    await new Promise<void>((resolve) => embedded.listen(0, '127.0.0.1', resolve))
    const port = (embedded.address() as AddressInfo).port
    const running = { url: `http://127.0.0.1:${port}` } as RunningServer
    const api = client(running)
    const jobId = await api.submitJob()
    const streamed = api.stream(jobId)
    await expect.poll(async () => (await api.get(`/api/jobs/${jobId}`)).json().status).toBe('running')
    await new Promise<void>((resolve, reject) =>
      embedded.close((error) => (error ? reject(error) : resolve())),
    )
    expect((await streamed).events).toEqual([])
    expect(embedded.listening).toBe(false)
  })
})

describe('close()', () => {
  it('ends open streams and aborts running jobs', async () => {
    const engine = scriptedEngine({ outcome: 'hang' })
    server = await startServer({ tokens, engine })
    const api = client(server)
    const jobId = await api.submitJob()
    const streamed = api.stream(jobId)
    await expect.poll(() => server.requests.some((entry) => entry.route === 'stream')).toBe(true)
    await server.close()
    const result = await streamed
    expect(result.status).toBe(200)
    expect(result.events).toEqual([])
  })
})
