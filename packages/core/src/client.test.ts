import { createReadStream } from 'node:fs'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { scriptedEngine } from '@numarkdown/server'
import { corpusPath, setup, startTestServer, tempDir } from '@numarkdown/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createClient, NuMarkdownClient } from './client.js'
import {
  JobFailedError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  ValidationError,
} from './errors.js'
import type { ProgressEvent } from './types.js'

describe('convert', () => {
  it('converts a text file end to end over SSE and reports progress', async () => {
    const { client, server } = await setup(NuMarkdownClient)
    const folder = await tempDir()
    onTestFinished(() => folder.remove())
    const path = join(folder.path, 'hello.md')
    await writeFile(path, '# Hello\n\nWorld')
    const events: ProgressEvent[] = []
    const global: ProgressEvent[] = []
    const unsubscribe = client.on((event) => global.push(event))
    const result = await client.convert(path, { onProgress: (event) => events.push(event) })
    unsubscribe()
    expect(result.markdown).toBe('# Hello\n\nWorld')
    expect(result.reasoning).toContain('hello.md')
    expect(result).toMatchObject({ partial: false, recovered: false })
    expect(result.usage?.totalTokens).toBeGreaterThan(0)
    expect(result.job.id).toBe(result.jobId)
    const types = events.map((event) => event.type)
    expect(types[0]).toBe('upload')
    expect(types).toContain('submitted')
    expect(types.at(-1)).toBe('done')
    expect(types.indexOf('submitted')).toBeLessThan(types.indexOf('done'))
    expect(global.map((event) => event.type)).toEqual(types)
    const routes = server.server.requests.map((entry) => entry.route)
    expect(routes).toEqual(['submit', 'stream'])
  })

  it('accepts every input kind', async () => {
    const { client } = await setup(NuMarkdownClient)
    const folder = await tempDir()
    onTestFinished(() => folder.remove())
    const path = join(folder.path, 'kinds.txt')
    await writeFile(path, 'plain text')
    const text = Buffer.from('plain text')
    const inputs = [
      path,
      pathToFileURL(path),
      text,
      new Uint8Array(text),
      new Blob([text], { type: 'text/plain' }),
      new File([text], 'kinds.txt'),
      createReadStream(path),
      Readable.from([text]),
      Readable.toWeb(Readable.from([text])),
      { data: text, filename: 'given.txt', contentType: 'text/plain' },
    ]
    for (const input of inputs) {
      const result = await client.convert(input as never, { contentType: 'text/plain' })
      expect(result.markdown).toBe('plain text')
    }
  })

  it('removes the temporary copy of a stream after success and after failure', async () => {
    const { client } = await setup(NuMarkdownClient, { maxUploadBytes: 100 })
    const folder = await tempDir()
    onTestFinished(() => folder.remove())
    const previous = process.env.TMPDIR
    process.env.TMPDIR = folder.path
    onTestFinished(async () => {
      if (previous === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = previous
    })
    const small = await client.convert({ data: Readable.from([Buffer.from('small')]), filename: 's.txt' })
    expect(small.markdown).toBe('small')
    expect(await readdir(folder.path)).toEqual([])
    await expect(client.convert(Readable.from([Buffer.alloc(1000, 1)]))).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    )
    expect(await readdir(folder.path)).toEqual([])
  })

  it('converts a stream without spooling when retries are off', async () => {
    const { client } = await setup(NuMarkdownClient, {}, { maxRetries: 0 })
    const result = await client.convert({ data: Readable.from([Buffer.from('streamed')]), filename: 's.txt' })
    expect(result.markdown).toBe('streamed')
  })

  it('summarises a PDF from the corpus', async () => {
    const { client } = await setup(NuMarkdownClient)
    const result = await client.convert(corpusPath('multi_page.pdf'))
    expect(result.markdown).toContain('# multi_page.pdf')
    expect(result.markdown).toContain('application/pdf')
  })

  it('validates parameters before any request', async () => {
    const { client, server } = await setup(NuMarkdownClient)
    await expect(client.convert(Buffer.from('x'), { temperature: 3.4 })).rejects.toThrow(
      'expected 0 ≤ temperature ≤ 1, got 3.4',
    )
    await expect(client.convert(Buffer.from('x'), { pagesPerChunk: 0 })).rejects.toThrow(ValidationError)
    await expect(client.wait('job', { strategy: 'push' as never })).rejects.toThrow(/"push"/)
    expect(server.server.requests).toHaveLength(0)
  })

  it('sends the parameters on the wire', async () => {
    const engine = scriptedEngine()
    const { client } = await setup(NuMarkdownClient, { engine })
    await client.convert(Buffer.from('x'), {
      temperature: 0.3,
      rasterizationDpi: 96,
      maxOutputTokens: 50,
      timeout: '1m',
    })
    expect(engine.calls[0]?.params).toMatchObject({
      temperature: 0.3,
      rasterizationDPI: 96,
      maxOutputTokens: 50,
      timeoutMs: 60_000,
    })
  })

  it('raises JobFailedError with the server code and message', async () => {
    const { client } = await setup(NuMarkdownClient, {
      engine: scriptedEngine({ outcome: { type: 'fail', code: 'Corrupt', message: 'Unreadable document' } }),
    })
    const events: ProgressEvent[] = []
    const error = await client
      .convert(Buffer.from('x'), { onProgress: (event) => events.push(event) })
      .catch((e) => e)
    expect(error).toBeInstanceOf(JobFailedError)
    expect(error).toMatchObject({ code: 'Corrupt' })
    expect(error.message).toContain('Unreadable document')
    expect(error.jobId).toBeTruthy()
    expect(events.at(-1)).toMatchObject({ type: 'failed', jobId: error.jobId })
  })

  it('reports partial results, 206 and recovered answers', async () => {
    const { client } = await setup(NuMarkdownClient, {
      engine: scriptedEngine({
        outcome: (document) => (document.filename.startsWith('partial') ? 'partial' : 'truncated'),
      }),
    })
    const partial = await client.convert({ data: Buffer.from('# P'), filename: 'partial.md' })
    expect(partial).toMatchObject({ markdown: '# P', partial: true, recovered: false })
    const truncated = await client.convert({ data: Buffer.from('# T'), filename: 'truncated.md' })
    expect(truncated).toMatchObject({ markdown: '# T', partial: true, recovered: true })
    expect(truncated.reasoning).toContain('truncated.md')
    const polled = await client.convert(
      { data: Buffer.from('# T'), filename: 'truncated.md' },
      { strategy: 'poll' },
    )
    expect(polled).toMatchObject({ markdown: '# T', partial: true, recovered: true })
  })
})

describe('jobs', () => {
  it('submit, getJob, wait by polling, listJobs, cancel', async () => {
    const engine = scriptedEngine({ hold: (document) => document.filename === 'held.txt' })
    const { client } = await setup(NuMarkdownClient, { engine })
    const submitted = await client.submit({ data: Buffer.from('abc'), filename: 'a.txt' })
    expect(submitted).toMatchObject({ filename: 'a.txt', contentType: 'text/plain', size: 3, adopted: false })
    expect(submitted.sha256).toMatch(/^[0-9a-f]{64}$/)
    const done = await client.wait(submitted.jobId, { strategy: 'poll' })
    expect(done.markdown).toBe('abc')
    expect((await client.getJob(submitted.jobId)).status).toBe('completed')
    expect(await client.cancel(submitted.jobId)).toEqual({ cancelled: false, supported: true })

    const held = await client.submit({ data: Buffer.from('h'), filename: 'held.txt' })
    await engine.gate.whenWaiting(1)
    expect(await client.cancel(held.jobId)).toEqual({ cancelled: true, supported: true })
    await expect(client.wait(held.jobId)).rejects.toThrow(/cancelled/)

    for (let index = 0; index < 5; index++)
      await client.submit({ data: Buffer.from(`n${index}`), filename: `n${index}.txt` })
    const ids: string[] = []
    for await (const job of client.listJobs({ perPage: 2 })) ids.push(job.id)
    expect(ids).toHaveLength(7)
    expect(new Set(ids).size).toBe(7)
    const skipped: string[] = []
    for await (const job of client.listJobs({ perPage: 3, skip: 5 })) skipped.push(job.id)
    expect(skipped).toEqual(ids.slice(5))
  })

  it('wait(jobId) on a fresh client finishes a job submitted by another', async () => {
    const engine = scriptedEngine({ hold: true })
    const { client, server } = await setup(NuMarkdownClient, { engine })
    let submitted: (jobId: string) => void = () => {}
    const reported = new Promise<string>((resolve) => {
      submitted = resolve
    })
    const first = client.convert(
      { data: Buffer.from('resume me'), filename: 'r.txt' },
      { onProgress: (event) => event.type === 'submitted' && submitted(event.jobId) },
    )
    const jobId = await reported
    await engine.gate.whenWaiting(1)
    // The first process stops: its client is closed while waiting, and leaves the job running.
    const firstOutcome = first.catch((error: unknown) => error)
    await client.close()
    expect(await firstOutcome).toMatchObject({ code: 'client_closed' })
    expect(server.server.requests.some((entry) => entry.route === 'cancel')).toBe(false)
    const second = createClient({ apiKey: server.token, baseUrl: server.url })
    onTestFinished(() => second.close())
    const waiting = second.wait(jobId)
    engine.gate.open()
    const result = await waiting
    expect(result).toMatchObject({ markdown: 'resume me', jobId })
  })

  it('maps 404 and 403 to typed errors', async () => {
    const server = await startTestServer({
      tokens: [
        { token: 'token-a-0123456789', owner: 'a' },
        { token: 'token-b-0123456789', owner: 'b' },
      ],
    })
    onTestFinished(() => server.close())
    const a = new NuMarkdownClient({ apiKey: 'token-a-0123456789', baseUrl: server.url })
    const b = new NuMarkdownClient({ apiKey: 'token-b-0123456789', baseUrl: server.url })
    onTestFinished(() => a.close())
    onTestFinished(() => b.close())
    await expect(a.getJob('no-such-job')).rejects.toBeInstanceOf(NotFoundError)
    await expect(a.wait('no-such-job')).rejects.toBeInstanceOf(NotFoundError)
    const { jobId } = await a.submit(Buffer.from('mine'))
    await expect(b.getJob(jobId)).rejects.toBeInstanceOf(PermissionDeniedError)
    await expect(b.wait(jobId)).rejects.toBeInstanceOf(PermissionDeniedError)
  })

  it('surfaces a 413 as PayloadTooLargeError without retrying', async () => {
    const { client, server } = await setup(NuMarkdownClient, { maxUploadBytes: 10 })
    await expect(client.convert(Buffer.alloc(1000, 1))).rejects.toBeInstanceOf(PayloadTooLargeError)
    expect(server.server.requests.filter((entry) => entry.route === 'submit')).toHaveLength(1)
  })

  it('reuses connections (keep-alive)', async () => {
    const { client, server } = await setup(NuMarkdownClient)
    let connections = 0
    server.server.server.on('connection', () => {
      connections += 1
    })
    const { jobId } = await client.submit({ data: Buffer.from('k'), filename: 'k.txt' })
    for (let index = 0; index < 10; index++) await client.getJob(jobId)
    // undici hands a socket back to the pool a moment after the body was read, so a request sent right away may
    // open a second connection; without keep-alive there would be eleven.
    expect(connections).toBeLessThanOrEqual(2)
  })

  it('refuses calls after close', async () => {
    const { client } = await setup(NuMarkdownClient)
    await client.close()
    await expect(client.convert(Buffer.from('x'))).rejects.toThrow(/closed/)
  })
})
