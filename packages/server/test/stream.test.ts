import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { type RunningServer, scriptedEngine } from '../src/index.js'
import { serverStarter, storeKinds } from './stores.js'
import { client, parseEvents, token, tokens } from './support.js'

let server: RunningServer

afterEach(async () => {
  await server?.close()
})

describe.each(storeKinds)('%s store', (store) => {
  const startServer = serverStarter(store)

  describe('GET /api/jobs/{jobId}/stream', () => {
    it('sends result at once to a client that connects after completion, then ends', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens })
      const api = client(server)
      const jobId = await api.submitJob('# Done')
      await expect.poll(async () => (await api.get(`/api/jobs/${jobId}`)).json().status).toBe('completed')
      const response = await request(`${server.url}/api/jobs/${jobId}/stream`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(response.statusCode).toBe(200)
      expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8')
      expect(response.headers['cache-control']).toContain('no-cache')
      const raw = await response.body.text()
      const job = (await api.get(`/api/jobs/${jobId}`)).json()
      expect(raw).toBe(`event: result\ndata: ${JSON.stringify(job)}\n\n`)
    })

    it('pings while the job runs, then sends the result when it finishes', async () => {
      const engine = scriptedEngine({ hold: true })
      server = await startServer({ tokens, engine, pingIntervalMs: 20 })
      const jobId = await client(server).submitJob('# Later')
      await engine.gate.whenWaiting()
      const response = await request(`${server.url}/api/jobs/${jobId}/stream`, {
        headers: { authorization: `Bearer ${token}` },
      })
      let raw = ''
      for await (const chunk of response.body) {
        raw += Buffer.from(chunk).toString('utf8')
        if (raw.includes('event: ping\ndata:\n\n')) engine.gate.release()
      }
      const events = parseEvents(raw)
      expect(events.at(-1)!.event).toBe('result')
      const pings = events.slice(0, -1)
      expect(pings.length).toBeGreaterThan(0)
      for (const ping of pings) expect(ping).toEqual({ event: 'ping', data: '' })
      const job = JSON.parse(events.at(-1)!.data)
      expect(job).toMatchObject({ id: jobId, status: 'completed' })
      expect(JSON.parse(job.outputData).result).toBe('# Later')
    })

    it('serves several listeners of the same job', async () => {
      const engine = scriptedEngine({ hold: true })
      server = await startServer({ tokens, engine })
      const api = client(server)
      const jobId = await api.submitJob()
      await engine.gate.whenWaiting()
      const listeners = [api.stream(jobId), api.stream(jobId), api.stream(jobId)]
      await expect.poll(() => server.requests.filter((entry) => entry.route === 'stream').length).toBe(3)
      engine.gate.release()
      for (const result of await Promise.all(listeners)) {
        expect(result.events.map((event) => event.event)).toEqual(['result'])
      }
    })

    it('sends result for a failed job', async () => {
      server = await startServer({
        tokens,
        engine: scriptedEngine({ outcome: { type: 'fail', code: 'Unsupported', message: 'Not a document' } }),
      })
      const api = client(server)
      const { events } = await api.stream(await api.submitJob())
      expect(events).toHaveLength(1)
      expect(events[0]!.event).toBe('result')
      expect(JSON.parse(events[0]!.data)).toMatchObject({ status: 'failed', errorCode: 'Unsupported' })
    })

    it('sends error JobTimeout when the job outlives its timeout, live and afterwards', async () => {
      const engine = scriptedEngine({ outcome: 'hang' })
      server = await startServer({ tokens, engine })
      const api = client(server)
      const jobId = await api.submitJob('x', { query: '?timeout=100ms' })
      const live = await api.stream(jobId)
      const expected = {
        event: 'error',
        data: JSON.stringify({
          code: 'JobTimeout',
          message: 'The job ran past its execution timeout of 100 ms',
        }),
      }
      expect(live.events).toEqual([expected])
      expect((await api.stream(jobId)).events).toEqual([expected])
    })

    it('answers 401 without a token', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens })
      const jobId = await client(server).submitJob()
      const reply = await client(server, null).get(`/api/jobs/${jobId}/stream`)
      expect(reply.status).toBe(401)
    })
  })
})
