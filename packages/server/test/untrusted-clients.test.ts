import { mkdtemp, rm } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { request } from 'undici'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type Engine,
  localEngine,
  openaiEngine,
  type RunningServer,
  type ServerOptions,
  scriptedEngine,
  startServer,
} from '../src/index.js'
import { makeDocx, makeXlsx } from './office-files.js'
import { client, listDirectory, tokens } from './support.js'

let spool: string
let server: RunningServer | undefined
const engines: Engine[] = []

beforeEach(async () => {
  spool = await mkdtemp(join(tmpdir(), 'numarkdown-untrusted-'))
})
afterEach(async () => {
  await server?.close()
  server = undefined
  for (const engine of engines.splice(0)) await engine.close?.()
  await rm(spool, { recursive: true, force: true })
})

async function start(options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  server = await startServer({ engine: scriptedEngine(), tokens, spoolDirectory: spool, ...options })
  return server
}

/** The server's side of each connection, to read how many bytes it took in. */
function serverSockets(running: RunningServer): Socket[] {
  const sockets: Socket[] = []
  running.server.on('connection', (socket: Socket) => sockets.push(socket))
  return sockets
}

const boundary = 'untrusted-boundary'
const partHead = (filename: string) =>
  `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\n` +
  'content-type: application/octet-stream\r\n\r\n'

function uploadHead(options: { token?: string; length?: number; expect?: boolean; query?: string } = {}) {
  return (
    `POST /api/markdown/infer-async${options.query ?? ''} HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
    `authorization: Bearer ${options.token ?? 'token-alice'}\r\n` +
    `content-type: multipart/form-data; boundary=${boundary}\r\n` +
    (options.length === undefined
      ? 'transfer-encoding: chunked\r\n'
      : `content-length: ${options.length}\r\n`) +
    (options.expect ? 'expect: 100-continue\r\n' : '') +
    '\r\n'
  )
}

/**
 * A client that writes its whole body before it reads anything, as Python's requests does: it stops only when
 * the connection fails. Resolves with what the server sent, once the connection is closed.
 */
function sendWholeBody(port: number, head: string, bodyBytes: number): Promise<string> {
  return new Promise((resolve) => {
    let received = ''
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head)
      let sent = 0
      const chunk = Buffer.alloc(64 * 1024, 0x61)
      const pump = (): void => {
        while (sent < bodyBytes && !socket.destroyed) {
          sent += chunk.length
          if (!socket.write(chunk)) {
            socket.once('drain', pump)
            return
          }
        }
      }
      pump()
    })
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1')
    })
    socket.on('error', () => {})
    socket.on('close', () => resolve(received))
  })
}

/** Writes `head`, then resolves with the first answer the server sends (up to its blank line). */
function firstAnswer(port: number, head: string): Promise<{ text: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    let received = ''
    const socket = connect(port, '127.0.0.1', () => socket.write(head))
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1')
      if (received.includes('\r\n\r\n')) resolve({ text: received, socket })
    })
    socket.on('error', reject)
    socket.on('close', () => resolve({ text: received, socket }))
  })
}

/**
 * Sends `start` on a new connection, waits for `ready` (when given), then one byte every 100 ms until the server
 * closes the connection; resolves with all the server sent.
 */
async function trickleUpload(port: number, start: string, ready?: () => Promise<unknown>): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  let received = ''
  socket.on('data', (data: Buffer) => {
    received += data.toString('latin1')
  })
  socket.on('error', () => {})
  socket.write(start)
  await ready?.()
  const trickle = setInterval(() => socket.write('x'), 100)
  try {
    await closed(socket)
  } finally {
    clearInterval(trickle)
  }
  return received
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve()
    else socket.on('close', () => resolve())
  })
}

describe('uploads refused before their body is read', () => {
  it('refuses an unauthenticated upload without reading its body, and closes the connection', async () => {
    const running = await start()
    const sockets = serverSockets(running)
    const bodyBytes = 64 * 1024 * 1024
    const answer = await sendWholeBody(
      running.port,
      uploadHead({ token: 'wrong', length: bodyBytes }),
      bodyBytes,
    )
    expect(answer).toMatch(/^HTTP\/1\.1 401 /)
    expect(answer.toLowerCase()).toContain('connection: close')
    await closed(sockets[0]!)
    // What the kernel had buffered by the time the answer went out, not the 64 MiB the client meant to send.
    expect(sockets[0]!.bytesRead).toBeLessThan(8 * 1024 * 1024)
    expect(await listDirectory(spool)).toEqual([])
  })

  it('lets a client that reads early answers (undici) see the 401 of a large upload', async () => {
    const running = await start()
    const response = await request(`${running.url}/api/markdown/infer-async`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong', 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: Buffer.alloc(16 * 1024 * 1024),
    })
    expect(response.statusCode).toBe(401)
    expect(await response.body.json()).toMatchObject({ code: 'Unauthorized' })
  })

  it('answers Expect: 100-continue with 413, not 100 Continue, when the declared length is over the limit', async () => {
    const running = await start({ maxUploadBytes: 1024 * 1024 })
    const { text, socket } = await firstAnswer(
      running.port,
      uploadHead({ length: 50 * 1024 * 1024, expect: true }),
    )
    expect(text).toMatch(/^HTTP\/1\.1 413 /)
    expect(text).not.toContain('100 Continue')
    await closed(socket)
    const within = await firstAnswer(running.port, uploadHead({ length: 512 * 1024, expect: true }))
    expect(within.text).toMatch(/^HTTP\/1\.1 100 Continue/)
    within.socket.destroy()
  })

  it('refuses a declared length over the limit before reading the body', async () => {
    const running = await start({ maxUploadBytes: 1024 * 1024 })
    const sockets = serverSockets(running)
    const bodyBytes = 48 * 1024 * 1024
    const answer = await sendWholeBody(running.port, uploadHead({ length: bodyBytes }), bodyBytes)
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    await closed(sockets[0]!)
    expect(sockets[0]!.bytesRead).toBeLessThan(8 * 1024 * 1024)
  })

  it('keeps the connection of a successful upload open for the next request', async () => {
    const running = await start()
    const reply = await client(running).submit('# Kept alive')
    expect(reply.status).toBe(200)
    expect(reply.headers.connection).not.toBe('close')
  })
})

describe('slow and silent clients', () => {
  it('cuts off an upload slower than the minimum rate with 408 and removes its spool file', async () => {
    const running = await start({
      minUploadBytesPerSecond: 2000,
      uploadRateWindowMs: 200,
      memoryUploadBytes: 0,
    })
    const received = await trickleUpload(
      running.port,
      uploadHead({ length: 10_000_000 }) + partHead('slow.bin') + 'x'.repeat(100),
      () => expect.poll(() => listDirectory(spool)).toHaveLength(1),
    )
    expect(received).toMatch(/^HTTP\/1\.1 408 /)
    expect(received).toContain('"code":"RequestTimeout"')
    expect(await listDirectory(spool)).toEqual([])
  })

  it('cuts off a small upload of a declared length, read into memory, slower than the minimum rate with 408', async () => {
    // Below memoryUploadBytes (1 MiB by default): the body is read whole before it is parsed.
    const running = await start({ minUploadBytesPerSecond: 2000, uploadRateWindowMs: 200 })
    const received = await trickleUpload(
      running.port,
      uploadHead({ length: 5000 }) + partHead('slow.bin') + 'x'.repeat(100),
    )
    expect(received).toMatch(/^HTTP\/1\.1 408 /)
    expect(received).toContain('"code":"RequestTimeout"')
    expect(await listDirectory(spool)).toEqual([])
  })

  it('accepts an upload that takes longer than many windows while it keeps above the rate', async () => {
    // Any byte in each 2 s window will do: only a test process stalled for 2 s could fail this.
    const running = await start({ minUploadBytesPerSecond: 1, uploadRateWindowMs: 2000 })
    const chunks = 14
    const chunk = Buffer.alloc(2 * 1024, 0x62)
    async function* body() {
      yield Buffer.from(partHead('steady.bin'))
      for (let index = 0; index < chunks; index++) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        yield chunk
      }
      yield Buffer.from(`\r\n--${boundary}--\r\n`)
    }
    const response = await request(`${running.url}/api/markdown/infer-async`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer token-alice',
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body: Readable.from(body()),
    })
    expect(response.statusCode).toBe(200)
    const { jobId } = (await response.body.json()) as { jobId: string }
    const job = (await client(running).get(`/api/jobs/${jobId}`)).json<{ inputData: string }>()
    expect(JSON.parse(job.inputData).size).toBe(chunks * chunk.length)
  })

  it('answers 408 to a client that never finishes its headers', async () => {
    const running = await start({ headersTimeoutMs: 300 })
    const { text, socket } = await firstAnswer(
      running.port,
      'POST /api/markdown/infer-async HTTP/1.1\r\nhost: 127.0.0.1\r\n',
    )
    expect(text).toMatch(/^HTTP\/1\.1 408 /)
    await closed(socket)
  })

  it('answers 431 to headers larger than Node allows', async () => {
    const running = await start()
    const { text, socket } = await firstAnswer(
      running.port,
      `GET /api/jobs HTTP/1.1\r\nhost: 127.0.0.1\r\nx-padding: ${'p'.repeat(64 * 1024)}\r\n\r\n`,
    )
    expect(text).toMatch(/^HTTP\/1\.1 431 /)
    await closed(socket)
  })

  it('closes a connection on which nothing happens', async () => {
    const running = await start({ idleTimeoutMs: 300 })
    const socket = connect(running.port, '127.0.0.1')
    socket.on('error', () => {})
    await closed(socket)
    expect(socket.bytesWritten).toBe(0)
  })

  it('keeps an SSE stream open past the idle timeout', async () => {
    const engine = scriptedEngine({ hold: true })
    const running = await start({ engine, idleTimeoutMs: 200, pingIntervalMs: 60_000 })
    const api = client(running)
    const jobId = await api.submitJob('# Held')
    await engine.gate.whenWaiting()
    const streamed = api.stream(jobId)
    await new Promise((resolve) => setTimeout(resolve, 800))
    engine.gate.release()
    const { events } = await streamed
    expect(events.map((event) => event.event)).toEqual(['result'])
  })
})

describe('owners and names', () => {
  it('never uses a token given as a plain string as its owner’s name', async () => {
    const running = await start({ tokens: ['plain-secret-token'] })
    const api = client(running, 'plain-secret-token')
    const jobId = await api.submitJob('# Mine')
    const job = (await api.get(`/api/jobs/${jobId}`)).json<{ ownerUser: string }>()
    expect(job.ownerUser).toMatch(/^user-[0-9a-f]{16}$/)
    expect(JSON.stringify(job)).not.toContain('plain-secret-token')
    expect(JSON.stringify(running.requests)).not.toContain('plain-secret-token')
    expect(running.requests.every((entry) => entry.owner === job.ownerUser)).toBe(true)
  })

  it('keeps the owner named explicitly', async () => {
    const running = await start()
    const job = (await client(running).get(`/api/jobs/${await client(running).submitJob()}`)).json()
    expect(job.ownerUser).toBe('alice')
  })

  it.each([
    ['ménu été.txt', 'ménu été.txt'],
    ['say %22hi%22.txt', 'say "hi".txt'],
    ['two%0D%0Alines.txt', 'two\r\nlines.txt'],
    ['100%25 sure.txt', '100%25 sure.txt'],
  ])('stores the filename %j as %j', async (sent, stored) => {
    const running = await start()
    const body = Buffer.concat([
      Buffer.from(partHead(sent), 'utf8'),
      Buffer.from('text'),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
    const response = await request(`${running.url}/api/markdown/infer-async`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer token-alice',
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body,
    })
    expect(response.statusCode).toBe(200)
    const { jobId } = (await response.body.json()) as { jobId: string }
    const job = (await client(running).get(`/api/jobs/${jobId}`)).json<{ inputData: string }>()
    expect(JSON.parse(job.inputData).filename).toBe(stored)
  })

  it('stores a filename with quotes as undici’s FormData sent it', async () => {
    const running = await start()
    const jobId = await client(running).submitJob('x', { filename: 'réunion "Q3".md' })
    const job = (await client(running).get(`/api/jobs/${jobId}`)).json<{ inputData: string }>()
    expect(JSON.parse(job.inputData).filename).toBe('réunion "Q3".md')
  })
})

describe('office files sent without a useful name or type', () => {
  it('recognises a DOCX sent as "file", application/octet-stream, by what the archive holds', async () => {
    const engine = localEngine({ ocrWorkers: 1, conversionWorkers: 1 })
    engines.push(engine)
    const running = await start({ engine })
    const api = client(running)
    const jobId = await api.submitJob(makeDocx(['Minutes of the meeting', 'Everyone agreed.']), {
      filename: 'file',
      contentType: 'application/octet-stream',
    })
    const job = JSON.parse((await api.stream(jobId)).events[0]!.data)
    expect(job.status).toBe('completed')
    expect(JSON.parse(job.outputData).result).toBe('Minutes of the meeting\n\nEveryone agreed.')
    expect(JSON.parse(job.inputData)).toMatchObject({
      filename: 'file',
      contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    })
  })

  it('tells a spreadsheet sent the same way apart, and fails it naming its kind', async () => {
    const engine = localEngine({ ocrWorkers: 1, conversionWorkers: 1 })
    engines.push(engine)
    const running = await start({ engine })
    const api = client(running)
    const jobId = await api.submitJob(makeXlsx(), { filename: 'file', contentType: 'application/zip' })
    const job = JSON.parse((await api.stream(jobId)).events[0]!.data)
    expect(job).toMatchObject({ status: 'failed', errorCode: 'UnsupportedFormat' })
    expect(job.errorMessage).toContain('spreadsheetml')
  })

  it('passes the recognised type to any engine, and leaves an informative type alone', async () => {
    const engine = scriptedEngine()
    const running = await start({ engine })
    const api = client(running)
    await api.stream(await api.submitJob(makeDocx(['x']), { filename: 'file', contentType: '' }))
    await api.stream(
      await api.submitJob('%PDF-1.7\n', { filename: 'file', contentType: 'application/octet-stream' }),
    )
    await api.stream(
      await api.submitJob(makeDocx(['y']), { filename: 'notes.bin', contentType: 'text/plain' }),
    )
    expect(engine.calls.map((call) => call.document.contentType)).toEqual([
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/pdf',
      'text/plain',
    ])
  })
})

describe('empty uploads', () => {
  it.each([
    ['scripted', () => scriptedEngine()],
    ['local', () => localEngine({ ocrWorkers: 1, conversionWorkers: 1 })],
    ['openai', () => openaiEngine({ baseUrl: 'http://127.0.0.1:9', model: 'never-called' })],
  ])('refuses an empty file at once with 400 naming the problem (%s engine)', async (_name, makeEngine) => {
    const engine = makeEngine()
    engines.push(engine)
    const running = await start({ engine })
    const reply = await client(running).submit(new Uint8Array(0), { filename: 'empty.pdf' })
    expect(reply.status).toBe(400)
    expect(reply.text).toBe('Invalid value for: body (the file "empty.pdf" is empty: 0 bytes)')
    expect((await client(running).get('/api/jobs')).json()).toMatchObject({ totalCount: 0 })
    expect(await listDirectory(spool)).toEqual([])
  })
})
