import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Engine, type EngineDocument, type RunningServer, startServer } from '../src/index.js'
import { client, listDirectory, tokens } from './support.js'

let spool: string
let server: RunningServer | undefined

beforeEach(async () => {
  spool = await mkdtemp(join(tmpdir(), 'numarkdown-engine-calls-'))
})
afterEach(async () => {
  await server?.close()
  server = undefined
  await rm(spool, { recursive: true, force: true })
})

/**
 * Gives a removal started by the server time to reach the disk: with the upload held, nothing is removed however
 * long this takes, so the wait makes a premature removal visible without making the test depend on timing.
 */
function settleRemovals(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 100))
}

/** A promise and the functions that settle it, for an engine the test steers step by step. */
function deferred<T = void>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((done) => {
    resolve = done
  })
  return { promise, resolve }
}

/**
 * An engine that goes on working after its job was aborted, as an engine between two steps does: once the
 * signal fires and the test lets it, it reads its upload again, and reports what it read.
 */
function lingeringEngine() {
  const aborted = deferred<EngineDocument>()
  const proceed = deferred()
  const reads: Array<{ ok: true; text: string } | { ok: false; error: string }> = []
  const engine: Engine = {
    name: 'lingering',
    async convert(document, _params, signal) {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
      aborted.resolve(document)
      await proceed.promise
      try {
        reads.push({ ok: true, text: await readFile(document.path ?? '', 'utf8') })
      } catch (error) {
        reads.push({ ok: false, error: String(error) })
        throw error
      }
      throw signal.reason
    },
  }
  return { engine, aborted: aborted.promise, proceed: proceed.resolve, reads }
}

describe('the upload outlives the engine call that reads it', () => {
  it('after a timeout, the engine can still read the upload; the file goes once its call returns', async () => {
    const { engine, aborted, proceed, reads } = lingeringEngine()
    server = await startServer({ tokens, engine, spoolDirectory: spool })
    const api = client(server)
    const jobId = await api.submitJob('still here', { filename: 'a.txt', query: '?timeout=50ms' })
    await aborted
    await settleRemovals()
    const job = await api.get(`/api/jobs/${jobId}`)
    expect(job.json()).toMatchObject({ status: 'timeout', errorCode: 'JobTimeout' })
    expect(await listDirectory(spool)).toHaveLength(1)
    proceed()
    await expect.poll(() => listDirectory(spool)).toEqual([])
    expect(reads).toEqual([{ ok: true, text: 'still here' }])
    expect((await api.get(`/api/jobs/${jobId}`)).json()).toMatchObject({ status: 'timeout' })
  })

  it('after a cancel, the engine can still read the upload', async () => {
    const { engine, aborted, proceed, reads } = lingeringEngine()
    server = await startServer({ tokens, engine, spoolDirectory: spool })
    const api = client(server)
    const jobId = await api.submitJob('cancelled but readable', { filename: 'b.txt' })
    await expect.poll(async () => (await api.get(`/api/jobs/${jobId}`)).json().status).toBe('running')
    expect((await api.post(`/api/jobs/${jobId}/cancel`)).json()).toMatchObject({ status: 'cancelled' })
    await aborted
    await settleRemovals()
    expect(await listDirectory(spool)).toHaveLength(1)
    proceed()
    await expect.poll(() => listDirectory(spool)).toEqual([])
    expect(reads).toEqual([{ ok: true, text: 'cancelled but readable' }])
  })

  it('keeps the job slot until the engine call returns, so timed-out work does not pile up', async () => {
    const { engine, aborted, proceed } = lingeringEngine()
    const started: string[] = []
    const counting: Engine = {
      name: 'counting',
      convert(document, params, signal) {
        started.push(document.filename)
        if (document.filename === 'first.txt') return engine.convert(document, params, signal)
        return Promise.resolve({ result: 'second', reasoning: 'done' })
      },
    }
    server = await startServer({ tokens, engine: counting, spoolDirectory: spool, concurrency: 1 })
    const api = client(server)
    const first = await api.submitJob('one', { filename: 'first.txt', query: '?timeout=50ms' })
    await aborted
    const second = await api.submitJob('two', { filename: 'second.txt' })
    expect((await api.get(`/api/jobs/${first}`)).json().status).toBe('timeout')
    expect((await api.get(`/api/jobs/${second}`)).json().status).toBe('pending')
    expect(started).toEqual(['first.txt'])
    proceed()
    const { events } = await api.stream(second)
    expect(JSON.parse(events[0]!.data)).toMatchObject({ status: 'completed' })
    expect(started).toEqual(['first.txt', 'second.txt'])
  })

  it('waits on close() for the engine calls to return before removing their uploads', async () => {
    const { engine, aborted, proceed, reads } = lingeringEngine()
    server = await startServer({ tokens, engine, spoolDirectory: spool })
    await client(server).submitJob('read on close', { filename: 'c.txt' })
    await expect.poll(() => listDirectory(spool)).toHaveLength(1)
    const closed = server.close()
    await aborted
    expect(await listDirectory(spool)).toHaveLength(1)
    proceed()
    await closed
    expect(reads).toEqual([{ ok: true, text: 'read on close' }])
    expect(await listDirectory(spool)).toEqual([])
  })
})

describe('any engine failure becomes the job’s failed state', () => {
  it.each([
    [
      'throws before returning a promise',
      (): never => {
        throw new Error('thrown at once')
      },
      'EngineFailure',
      'thrown at once',
    ],
    ['rejects with a string', () => Promise.reject('plain string'), 'EngineFailure', 'plain string'],
    ['resolves to nothing', () => Promise.resolve(undefined), 'EngineFailure', /returned no result/],
    [
      'resolves to a result that is not text',
      () => Promise.resolve({ result: 42 }),
      'EngineFailure',
      /returned no result/,
    ],
  ])('when the engine %s', async (_name, convert, errorCode, message) => {
    const engine = { name: 'broken', convert } as unknown as Engine
    server = await startServer({ tokens, engine, spoolDirectory: spool })
    const api = client(server)
    const { events } = await api.stream(await api.submitJob('x'))
    const job = JSON.parse(events[0]!.data)
    expect(job).toMatchObject({ status: 'failed', errorCode })
    expect(job.errorMessage).toMatch(message)
    expect(job.outputData).toBeUndefined()
    await expect.poll(() => listDirectory(spool)).toEqual([])
    expect((await api.get('/api/jobs')).status).toBe(200)
  })
})

describe('the document an engine is called with', () => {
  it('has the upload’s sha256 whenever the engine reads it, at the call or later, in memory or on disk', async () => {
    const text = 'a document of some length, read back by its hash'
    const expected = createHash('sha256').update(text).digest('hex')
    for (const memoryUploadBytes of [0, 1024]) {
      const seen: Array<string | undefined> = []
      const engine: Engine = {
        name: 'reads-hash',
        readsBytes: true,
        convert(document) {
          seen.push(document.sha256)
          return new Promise((resolve) =>
            setImmediate(() => {
              seen.push(document.sha256, { ...document }.sha256)
              resolve({ result: 'done', reasoning: 'read' })
            }),
          )
        },
      }
      server = await startServer({ engine, tokens, spoolDirectory: spool, memoryUploadBytes })
      const api = client(server)
      const job = JSON.parse((await api.stream(await api.submitJob(text))).events[0]!.data)
      expect(seen).toEqual([expected, expected, expected])
      expect(JSON.parse(job.inputData).sha256).toBe(expected)
      await server.close()
      server = undefined
    }
  })

  it('settles a job whose engine throws at once as failed, with the engine’s code', async () => {
    const engine: Engine = {
      name: 'throws',
      convert() {
        throw Object.assign(new Error('Unreadable at once'), { code: 'Corrupt' })
      },
    }
    server = await startServer({ engine, tokens, spoolDirectory: spool })
    const api = client(server)
    const jobId = await api.submitJob('x')
    const job = JSON.parse((await api.stream(jobId)).events[0]!.data)
    expect(job).toMatchObject({
      id: jobId,
      status: 'failed',
      errorCode: 'Corrupt',
      errorMessage: 'Unreadable at once',
    })
    expect(Date.parse(job.completedAt)).toBeGreaterThanOrEqual(Date.parse(job.startedAt))
  })
})
