/**
 * Small uploads stay in memory and reach an engine that reads bytes as `document.bytes`; large ones (and those past
 * the memory budget) are spooled as before. Both paths must convert alike and describe the upload alike, and a
 * cluster spools every upload, since another process may run its job.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { request } from 'undici'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type RunningServer, scriptedEngine, startServer } from '../src/index.js'
import { serverStarter, storeKinds } from './stores.js'
import { client, listDirectory, tokens } from './support.js'

let spool: string
let server: RunningServer | undefined

beforeEach(async () => {
  spool = await mkdtemp(join(tmpdir(), 'numarkdown-server-memory-'))
})
afterEach(async () => {
  await server?.close()
  server = undefined
  await rm(spool, { recursive: true, force: true })
})

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

describe.each(storeKinds)('%s store', (store) => {
  const startStoreServer = serverStarter(store)

  it('converts a small upload and a large one alike, with the same size and sha256 in inputData', async () => {
    const engine = scriptedEngine({ hold: true })
    server = await startStoreServer({ engine, tokens, spoolDirectory: spool, memoryUploadBytes: 1024 })
    const api = client(server)
    const small = `# Small\n\n${'s'.repeat(500)}\n`
    const large = `# Large\n\n${'l'.repeat(5000)}\n`
    const smallId = await api.submitJob(small, { filename: 'small.md' })
    const largeId = await api.submitJob(large, { filename: 'large.md' })
    const held = await engine.gate.whenWaiting(2)
    const byName = new Map(held.map((document) => [document.filename, document]))
    const smallDocument = byName.get('small.md')!
    const largeDocument = byName.get('large.md')!
    expect(largeDocument.path).toBeDefined()
    expect(largeDocument.bytes).toBeUndefined()
    if (store === 'in-process') {
      // Kept in memory: no file for it in the spool folder, only the large one's.
      expect(smallDocument.path).toBeUndefined()
      expect(Buffer.from(smallDocument.bytes!).toString('utf8')).toBe(small)
      expect(await listDirectory(spool)).toHaveLength(1)
    } else {
      // A cluster spools every upload: a worker in another process may run the job.
      expect(smallDocument.path).toBeDefined()
      expect(smallDocument.bytes).toBeUndefined()
      expect(await listDirectory(spool)).toHaveLength(2)
    }
    engine.gate.open()
    for (const [jobId, text, filename] of [
      [smallId, small, 'small.md'],
      [largeId, large, 'large.md'],
    ] as const) {
      const job = JSON.parse((await api.stream(jobId)).events[0]!.data)
      expect(job.status).toBe('completed')
      expect(JSON.parse(job.outputData).result).toBe(text)
      expect(JSON.parse(job.inputData)).toEqual({
        filename,
        contentType: 'text/markdown',
        size: Buffer.byteLength(text),
        sha256: sha256(text),
      })
    }
    await expect.poll(() => listDirectory(spool)).toEqual([])
  })
})

describe('in-memory uploads', () => {
  it('describes a binary upload by the same sha256 and size in memory and on disk', async () => {
    const bytes = Buffer.from(Array.from({ length: 700 }, (_, index) => (index * 7) % 256))
    const expected = createHash('sha256').update(bytes).digest('hex')
    for (const memoryUploadBytes of [0, 1024]) {
      const engine = scriptedEngine()
      server = await startServer({ engine, tokens, spoolDirectory: spool, memoryUploadBytes })
      const api = client(server)
      const job = JSON.parse(
        (
          await api.stream(
            await api.submitJob(bytes, { filename: 'x.bin', contentType: 'application/octet-stream' }),
          )
        ).events[0]!.data,
      )
      expect(JSON.parse(job.inputData)).toMatchObject({ size: 700, sha256: expected })
      expect(JSON.parse(job.outputData).result).toContain(expected)
      expect(engine.calls[0]!.document.path === undefined).toBe(memoryUploadBytes > 0)
      await server.close()
      server = undefined
    }
  })

  it('leaves nothing behind for a small upload cut off mid-body', async () => {
    const engine = scriptedEngine()
    server = await startServer({ engine, tokens, spoolDirectory: spool })
    const boundary = 'cut'
    const controller = new AbortController()
    let bodyArrived: () => void = () => {}
    const received = new Promise<void>((resolve) => {
      bodyArrived = resolve
    })
    server.server.on('request', (incoming) => incoming.once('data', () => bodyArrived()))
    async function* body() {
      yield Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="cut.md"\r\n\r\n`,
      )
      yield Buffer.from('# Cut off\n\nhalf of a document')
      await received
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
    // The next upload is served as usual, and the cut one never became a job nor a file.
    const api = client(server)
    await api.stream(await api.submitJob('# Next'))
    const list = (await api.get('/api/jobs')).json<{ items: Array<{ inputData: string }> }>()
    expect(list.items.map((job) => JSON.parse(job.inputData).filename)).toEqual(['doc.md'])
    expect(engine.calls.map((call) => call.document.filename)).toEqual(['doc.md'])
    expect(await listDirectory(spool)).toEqual([])
  })

  it('spools uploads once 64 times memoryUploadBytes are held, and holds again once jobs let go', async () => {
    const engine = scriptedEngine({ hold: true })
    server = await startServer({
      engine,
      tokens,
      spoolDirectory: spool,
      memoryUploadBytes: 100,
      concurrency: 100,
    })
    const api = client(server)
    const text = (index: number) => `${String(index).padStart(4, '0')} ${'x'.repeat(95)}`
    const first = await Promise.all(Array.from({ length: 66 }, (_, index) => api.submitJob(text(index))))
    const held = await engine.gate.whenWaiting(66)
    expect(held.filter((document) => document.bytes !== undefined)).toHaveLength(64)
    expect(await listDirectory(spool)).toHaveLength(2)
    engine.gate.open()
    for (const jobId of first)
      expect(JSON.parse((await api.stream(jobId)).events[0]!.data).status).toBe('completed')
    await expect.poll(() => listDirectory(spool)).toEqual([])
    // Every job let go of its bytes: the whole budget is free again.
    engine.gate.shut()
    await Promise.all(Array.from({ length: 64 }, (_, index) => api.submitJob(text(index))))
    const again = await engine.gate.whenWaiting(64)
    expect(again.filter((document) => document.bytes !== undefined)).toHaveLength(64)
    expect(await listDirectory(spool)).toEqual([])
    engine.gate.open()
  })

  it('opens the stream of a running job before its result, and sends a finished job whole', async () => {
    const engine = scriptedEngine({ hold: true })
    server = await startServer({ engine, tokens, spoolDirectory: spool })
    const api = client(server)
    const jobId = await api.submitJob('# Held')
    await engine.gate.whenWaiting()
    const response = await request(`${server.url}/api/jobs/${jobId}/stream`, {
      headers: { authorization: 'Bearer token-alice' },
    })
    // The headers came while the job is still held: a client sees its stream open at once.
    expect(response.statusCode).toBe(200)
    engine.gate.open()
    expect(await response.body.text()).toContain('event: result')
    const again = await api.stream(jobId)
    expect(again.status).toBe(200)
    expect(again.events.map((event) => event.event)).toEqual(['result'])
  })

  it('does not keep the bytes of a finished job', async () => {
    const engine = scriptedEngine()
    server = await startServer({ engine, tokens, spoolDirectory: spool })
    const api = client(server)
    await api.stream(await api.submitJob('# Done'))
    expect(engine.calls[0]!.document.bytes).toBeUndefined()
  })

  it('gives bytes to an engine that reads them, and a file to one that does not', async () => {
    const seen: Array<{ path?: string; bytes?: Uint8Array }> = []
    server = await startServer({
      engine: {
        name: 'files-only',
        async convert(document) {
          seen.push({ ...document })
          return { result: 'ok', reasoning: 'ok' }
        },
      },
      tokens,
      spoolDirectory: spool,
    })
    const api = client(server)
    await api.stream(await api.submitJob('# Small'))
    expect(seen[0]!.path).toBeDefined()
    expect(seen[0]!.bytes).toBeUndefined()
  })
})

describe('memoryUploadBytes', () => {
  it('is checked when the server is created, naming the option and the value', async () => {
    await expect(startServer({ engine: scriptedEngine(), tokens, memoryUploadBytes: -1 })).rejects.toThrow(
      /memoryUploadBytes.*-1/,
    )
    await expect(startServer({ engine: scriptedEngine(), tokens, memoryUploadBytes: 1.5 })).rejects.toThrow(
      /memoryUploadBytes.*1\.5/,
    )
  })
})
