import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { request } from 'undici'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type RunningServer, scriptedEngine } from '../src/index.js'
import { serverStarter, storeKinds } from './stores.js'
import { client, listDirectory, tokens } from './support.js'

let spool: string
let server: RunningServer

beforeEach(async () => {
  spool = await mkdtemp(join(tmpdir(), 'numarkdown-server-spool-'))
})
afterEach(async () => {
  await server?.close()
  await rm(spool, { recursive: true, force: true })
})

describe.each(storeKinds)('%s store', (store) => {
  const startServer = serverStarter(store)

  describe('POST /api/markdown/infer-async', () => {
    it('accepts a multipart upload and answers a job ID', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens, spoolDirectory: spool })
      const reply = await client(server).submit('# Hi', {
        filename: 'hi.md',
        query: '?temperature=0.5&rasterizationDPI=150&maxOutputTokens=10&timeout=10s',
      })
      expect(reply.status).toBe(200)
      expect(reply.headers['content-type']).toMatch(/^application\/json/)
      const { jobId } = reply.json<{ jobId: string }>()
      expect(jobId).toMatch(/^[0-9a-f-]{36}$/)
    })

    it('describes the upload in inputData and passes the parameters to the engine', async () => {
      const engine = scriptedEngine()
      server = await startServer({ tokens, engine, spoolDirectory: spool })
      const api = client(server)
      const jobId = await api.submitJob('hello', {
        filename: '../../etc/notes.txt',
        contentType: 'text/plain',
        query: '?temperature=1&rasterizationDPI=300&maxOutputTokens=0&timeout=1500ms',
      })
      const { events } = await api.stream(jobId)
      const job = JSON.parse(events[0]!.data)
      expect(JSON.parse(job.inputData)).toEqual({
        filename: 'notes.txt',
        contentType: 'text/plain',
        size: 5,
        sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
      })
      expect(engine.calls[0]!.params).toEqual({
        temperature: 1,
        rasterizationDPI: 300,
        maxOutputTokens: 0,
        timeoutMs: 1500,
      })
    })

    it('uses the API defaults when parameters are absent', async () => {
      const engine = scriptedEngine()
      server = await startServer({ tokens, engine, spoolDirectory: spool })
      const api = client(server)
      await api.stream(await api.submitJob())
      expect(engine.calls[0]!.params).toEqual({ temperature: 0, rasterizationDPI: 170, maxOutputTokens: 0 })
    })

    it('derives the content type from the filename when the client sent none', async () => {
      const engine = scriptedEngine()
      server = await startServer({ tokens, engine, spoolDirectory: spool })
      const api = client(server)
      await api.stream(await api.submitJob('%PDF-1.4', { filename: 'a.pdf', contentType: '' }))
      expect(engine.calls[0]!.document.contentType).toBe('application/pdf')
    })

    it.each([
      ['temperature=1.5', 'temperature'],
      ['temperature=-0.1', 'temperature'],
      ['temperature=hot', 'temperature'],
      ['temperature=', 'temperature'],
      ['rasterizationDPI=0', 'rasterizationDPI'],
      ['rasterizationDPI=301', 'rasterizationDPI'],
      ['rasterizationDPI=150.5', 'rasterizationDPI'],
      ['maxOutputTokens=-1', 'maxOutputTokens'],
      ['maxOutputTokens=ten', 'maxOutputTokens'],
      ['timeout=10', 'timeout'],
      ['timeout=10 seconds', 'timeout'],
      ['timeout=1d', 'timeout'],
      ['timeout=0s', 'timeout'],
    ])('answers 400 for %s', async (query, name) => {
      server = await startServer({ engine: scriptedEngine(), tokens, spoolDirectory: spool })
      const reply = await client(server).submit('x', { query: `?${query}` })
      expect(reply.status).toBe(400)
      expect(reply.text).toBe(`Invalid value for: query parameter ${name}`)
      expect(await listDirectory(spool)).toEqual([])
    })

    it.each(['1000ms', '10s', '1m', '1h'])('accepts the timeout %s', async (timeout) => {
      server = await startServer({ engine: scriptedEngine(), tokens, spoolDirectory: spool })
      const reply = await client(server).submit('x', { query: `?timeout=${timeout}` })
      expect(reply.status).toBe(200)
    })

    it('answers 400 Invalid value for: body when the part is not named file', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens, spoolDirectory: spool })
      const reply = await client(server).submit('x', { field: 'document' })
      expect(reply.status).toBe(400)
      expect(reply.text).toBe('Invalid value for: body')
      expect(await listDirectory(spool)).toEqual([])
    })

    it('answers 400 Invalid value for: body for a body that is not multipart', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens, spoolDirectory: spool })
      const api = client(server)
      const json = await api.post('/api/markdown/infer-async', '{"file":"x"}', {
        'content-type': 'application/json',
      })
      expect(json.status).toBe(400)
      expect(json.text).toBe('Invalid value for: body')
      const empty = await api.post('/api/markdown/infer-async')
      expect(empty.status).toBe(400)
      expect(empty.text).toBe('Invalid value for: body')
    })

    it('answers 400 for a multipart body cut short', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens, spoolDirectory: spool })
      const boundary = 'xyz'
      const body = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.txt"\r\n\r\npartial bytes`
      const reply = await client(server).post('/api/markdown/infer-async', body, {
        'content-type': `multipart/form-data; boundary=${boundary}`,
      })
      expect(reply.status).toBe(400)
      expect(reply.text).toBe('Invalid value for: body')
      expect(await listDirectory(spool)).toEqual([])
    })

    it('answers 413 above maxUploadBytes and removes the temporary file', async () => {
      server = await startServer({
        engine: scriptedEngine(),
        tokens,
        spoolDirectory: spool,
        maxUploadBytes: 1024 * 1024,
      })
      const reply = await client(server).submit(new Uint8Array(3 * 1024 * 1024), { filename: 'big.bin' })
      expect(reply.status).toBe(413)
      expect(reply.json()).toEqual({
        code: 'PayloadTooLarge',
        message: 'The upload exceeds the limit of 1048576 bytes',
      })
      expect(await listDirectory(spool)).toEqual([])
      expect(server.requests.map((entry) => entry.status)).toEqual([413])
    })

    it('accepts an upload of exactly maxUploadBytes', async () => {
      server = await startServer({
        engine: scriptedEngine(),
        tokens,
        spoolDirectory: spool,
        maxUploadBytes: 1000,
      })
      const reply = await client(server).submit(new Uint8Array(1000), { filename: 'exact.bin' })
      expect(reply.status).toBe(200)
    })

    it('answers 413 one byte above maxUploadBytes', async () => {
      server = await startServer({
        engine: scriptedEngine(),
        tokens,
        spoolDirectory: spool,
        maxUploadBytes: 1000,
      })
      const reply = await client(server).submit(new Uint8Array(1001), { filename: 'over.bin' })
      expect(reply.status).toBe(413)
      expect(await listDirectory(spool)).toEqual([])
    })

    it('removes the temporary file of an upload the client aborts', async () => {
      // Spooled from its first byte (memoryUploadBytes: 0), so that the test sees its file appear.
      server = await startServer({
        engine: scriptedEngine(),
        tokens,
        spoolDirectory: spool,
        memoryUploadBytes: 0,
      })
      const boundary = 'xyz'
      const controller = new AbortController()
      const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.bin"\r\n\r\n`
      async function* body() {
        yield Buffer.from(head)
        yield Buffer.alloc(64 * 1024)
        // Abort once the server has begun spooling.
        while ((await listDirectory(spool)).length === 0)
          await new Promise((resolve) => setTimeout(resolve, 10))
        controller.abort()
        await new Promise(() => {})
      }
      await expect(
        request(`${server.url}/api/markdown/infer-async`, {
          method: 'POST',
          headers: {
            authorization: 'Bearer token-alice',
            'content-type': `multipart/form-data; boundary=${boundary}`,
          },
          body: Readable.from(body()),
          signal: controller.signal,
        }),
      ).rejects.toThrow()
      await expect.poll(() => listDirectory(spool), { timeout: 10_000 }).toEqual([])
    })

    it('answers Expect: 100-continue with 401 without inviting the body, and with 100 when allowed', async () => {
      server = await startServer({ engine: scriptedEngine(), tokens, spoolDirectory: spool })
      const exchange = (authorization: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = connect(server.port, '127.0.0.1', () => {
            socket.write(
              'POST /api/markdown/infer-async HTTP/1.1\r\nhost: x\r\n' +
                `authorization: Bearer ${authorization}\r\n` +
                'content-type: multipart/form-data; boundary=b\r\ncontent-length: 1000000\r\n' +
                'expect: 100-continue\r\n\r\n',
            )
          })
          let received = ''
          socket.on('data', (chunk) => {
            received += chunk.toString()
            if (/\r\n\r\n/.test(received)) {
              socket.destroy()
              resolve(received)
            }
          })
          socket.on('error', reject)
        })
      expect(await exchange('wrong')).toMatch(/^HTTP\/1.1 401 /)
      expect(await exchange('token-alice')).toMatch(/^HTTP\/1.1 100 Continue/)
      await expect.poll(() => listDirectory(spool)).toEqual([])
    })

    if (store === 'in-process') {
      it('removes the files of running and pending jobs on close()', async () => {
        const engine = scriptedEngine({ hold: true })
        server = await startServer({
          tokens,
          engine,
          spoolDirectory: spool,
          concurrency: 1,
          memoryUploadBytes: 0,
        })
        const api = client(server)
        await api.submitJob('one')
        await api.submitJob('two')
        await engine.gate.whenWaiting()
        expect(await listDirectory(spool)).toHaveLength(2)
        await server.close()
        expect(await listDirectory(spool)).toEqual([])
      })
    }

    if (store === 'redis') {
      it('keeps the files of running and pending jobs on close(), for the node that runs them next', async () => {
        const engine = scriptedEngine({ hold: true })
        server = await startServer({ tokens, engine, spoolDirectory: spool, concurrency: 1 })
        const api = client(server)
        await api.submitJob('one')
        await api.submitJob('two')
        await engine.gate.whenWaiting()
        await server.close()
        expect(await listDirectory(spool)).toHaveLength(2)
      })
    }

    it('handles 200 simultaneous submits', async () => {
      const engine = scriptedEngine()
      server = await startServer({ tokens, engine, spoolDirectory: spool, concurrency: 8 })
      const api = client(server)
      const ids = await Promise.all(
        Array.from({ length: 200 }, (_, index) =>
          api.submitJob(`# Doc ${index}`, { filename: `doc-${index}.md` }),
        ),
      )
      expect(new Set(ids).size).toBe(200)
      const results = await Promise.all(ids.map((id) => api.stream(id)))
      for (const [index, result] of results.entries()) {
        const job = JSON.parse(result.events[0]!.data)
        expect(job.status).toBe('completed')
        expect(JSON.parse(job.outputData).result).toBe(`# Doc ${index}`)
      }
      await expect.poll(() => listDirectory(spool)).toEqual([])
    })
  })
})
