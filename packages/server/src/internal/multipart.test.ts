import { once } from 'node:events'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { type AddressInfo, connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { request } from 'undici'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MemoryBudget } from './memory-budget.js'
import { type SpoolResult, spoolUpload } from './multipart.js'

let directory: string
let server: Server | undefined

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'numarkdown-multipart-'))
})
afterEach(async () => {
  server?.closeAllConnections()
  server?.close()
  server = undefined
  await rm(directory, { recursive: true, force: true })
})

/** A real HTTP server whose every request is read by `spoolUpload`; the results come out in order. */
async function serve(budget: MemoryBudget, memoryBytes: number, signal = new AbortController().signal) {
  const results: Array<Promise<SpoolResult>> = []
  server = createServer((incoming, response) => {
    const result = spoolUpload(incoming, {
      directory,
      maxBytes: 1024 * 1024,
      maxBodyBytes: 2 * 1024 * 1024,
      memoryBytes,
      budget,
      signal,
    })
    results.push(result)
    void result.then(() => response.end())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  return { url: `http://127.0.0.1:${port}`, port, results }
}

/** Sends the head of an upload declaring `length` bytes and the start of its body, then leaves the socket open. */
function startUpload(port: number, length: number, start: string): Socket {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => {})
  socket.write(
    `POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: ${headers['content-type']}\r\n` +
      `content-length: ${length}\r\n\r\n${start}`,
  )
  return socket
}

const boundary = 'b0undary'
const head = (filename: string) =>
  `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\n\r\n`
const whole = (filename: string, content: string) => `${head(filename)}${content}\r\n--${boundary}--\r\n`
const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` }

describe('spoolUpload', () => {
  it('holds a small upload in memory within the budget, and spools one that does not fit', async () => {
    const budget = new MemoryBudget(1500)
    const { url, results } = await serve(budget, 1000)
    await request(url, { method: 'POST', headers, body: whole('a.md', 'a'.repeat(900)) })
    await request(url, { method: 'POST', headers, body: whole('b.md', 'b'.repeat(900)) })
    await request(url, { method: 'POST', headers, body: whole('c.md', 'c'.repeat(1100)) })
    const [a, b, c] = await Promise.all(results)
    if (a?.kind !== 'ok' || b?.kind !== 'ok' || c?.kind !== 'ok') throw new Error('an upload failed')
    expect(a.upload.bytes?.toString()).toBe('a'.repeat(900))
    expect(a.upload.path).toBeUndefined()
    // The budget holds a's 900 bytes: b would pass 1500, so it went to disk, as did c (above memoryBytes).
    expect(budget.held).toBe(900)
    expect(b.upload.bytes).toBeUndefined()
    expect(c.upload.bytes).toBeUndefined()
    expect((await readdir(directory)).sort()).toEqual(
      [b.upload.path, c.upload.path].map((path) => path!.split('/').pop()).sort(),
    )
    expect([a, b, c].map((result) => result.upload.size)).toEqual([900, 900, 1100])
  })

  it('gives the budget back and leaves no file for an upload cut off mid-body', async () => {
    const budget = new MemoryBudget(10_000)
    const { url, results } = await serve(budget, 1000)
    const controller = new AbortController()
    async function* body() {
      yield Buffer.from(head('cut.md'))
      yield Buffer.from('x'.repeat(600))
      // Wait until the server holds some of it, then go away.
      while (budget.held === 0) await new Promise((resolve) => setTimeout(resolve, 5))
      controller.abort()
      await new Promise(() => {})
    }
    await expect(
      request(url, { method: 'POST', headers, body: Readable.from(body()), signal: controller.signal }),
    ).rejects.toThrow()
    expect((await results[0])?.kind).toBe('aborted')
    expect(budget.held).toBe(0)
    expect(await readdir(directory)).toEqual([])
  })

  it('gives the budget back for an upload cut off after its file part, before the end of the body', async () => {
    const budget = new MemoryBudget(10_000)
    const { url, results } = await serve(budget, 1000)
    const controller = new AbortController()
    async function* body() {
      // The whole file part, then the start of another field: the file is read, the body is not over.
      yield Buffer.from(`${head('whole.md')}${'w'.repeat(600)}\r\n--${boundary}\r\n`)
      yield Buffer.from('content-disposition: form-data; name="note"\r\n\r\nhal')
      while (budget.held === 0) await new Promise((resolve) => setTimeout(resolve, 5))
      // Let the file part finish on the server's side before going away.
      await new Promise((resolve) => setTimeout(resolve, 50))
      controller.abort()
      await new Promise(() => {})
    }
    await expect(
      request(url, { method: 'POST', headers, body: Readable.from(body()), signal: controller.signal }),
    ).rejects.toThrow()
    expect((await results[0])?.kind).toBe('aborted')
    expect(budget.held).toBe(0)
  })

  it('reads a small upload of a declared length whole, holding only the file’s bytes of the budget', async () => {
    const budget = new MemoryBudget(10_000)
    const { url, results } = await serve(budget, 1000)
    const body = whole('plain.md', 'p'.repeat(700))
    await request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(body.length) },
      body,
    })
    const result = await results[0]
    if (result?.kind !== 'ok') throw new Error(`the upload was not read: ${result?.kind}`)
    // A part without a type is text/plain, as busboy reads it.
    expect(result.upload).toMatchObject({ filename: 'plain.md', contentType: 'text/plain', size: 700 })
    expect(result.upload.bytes?.toString()).toBe('p'.repeat(700))
    expect(budget.held).toBe(700)
  })

  it('gives the budget back for a small upload of a declared length cut off mid-body', async () => {
    const budget = new MemoryBudget(10_000)
    const { port, results } = await serve(budget, 1000)
    const socket = startUpload(port, 900, `${head('cut.md')}${'x'.repeat(300)}`)
    await expect.poll(() => budget.held).toBe(900)
    socket.destroy()
    expect((await results[0])?.kind).toBe('aborted')
    expect(budget.held).toBe(0)
  })

  it('gives up a small upload still arriving when the server shuts down', async () => {
    const budget = new MemoryBudget(10_000)
    const shutdown = new AbortController()
    const { port, results } = await serve(budget, 1000, shutdown.signal)
    const socket = startUpload(port, 900, head('late.md'))
    // Held: the server read the head and waits for the rest of the body.
    await expect.poll(() => budget.held).toBe(900)
    shutdown.abort()
    expect((await results[0])?.kind).toBe('aborted')
    expect(budget.held).toBe(0)
    socket.destroy()
  })
})
