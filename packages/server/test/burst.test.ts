import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { request } from 'undici'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { makeLayoutPdf, makeScannedPdf, makeTextPng } from '../src/engines/local/test-documents.js'
import { localEngine, type RunningServer, startServer } from '../src/index.js'
import { makeDocx } from './office-files.js'
import { client, listDirectory, tokens } from './support.js'

let spool: string
let server: RunningServer
const rejections: unknown[] = []
const onRejection = (reason: unknown): void => {
  rejections.push(reason)
}

beforeAll(async () => {
  process.on('unhandledRejection', onRejection)
  spool = await mkdtemp(join(tmpdir(), 'numarkdown-burst-'))
  server = await startServer({
    tokens,
    engine: localEngine({ ocrWorkers: 1, conversionWorkers: 2 }),
    spoolDirectory: spool,
    maxUploadBytes: 4 * 1024 * 1024,
    // Generous for real uploads, even from a test process that a loaded machine stalls for a second.
    minUploadBytesPerSecond: 20,
    uploadRateWindowMs: 2000,
  })
})

afterAll(async () => {
  await server.close()
  process.off('unhandledRejection', onRejection)
  await rm(spool, { recursive: true, force: true })
})

const boundary = 'burst-boundary'
const uploadHeaders = {
  authorization: 'Bearer token-alice',
  'content-type': `multipart/form-data; boundary=${boundary}`,
}
const partHead = (filename: string) =>
  `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\n\r\n`

/** An upload whose client gives up once part of the body is sent. */
async function disconnectMidUpload(index: number): Promise<void> {
  const controller = new AbortController()
  async function* body() {
    yield Buffer.from(partHead(`gone-${index}.pdf`))
    yield Buffer.alloc(32 * 1024, 0x25)
    await new Promise((resolve) => setTimeout(resolve, 20 + index * 10))
    controller.abort()
    await new Promise(() => {})
  }
  await request(`${server.url}/api/markdown/infer-async`, {
    method: 'POST',
    headers: uploadHeaders,
    body: Readable.from(body()),
    signal: controller.signal,
  }).catch(() => {})
}

/** An SSE reader that hangs up after its first bytes (or at once when the job is already over). */
async function disconnectMidStream(jobId: string): Promise<void> {
  const controller = new AbortController()
  try {
    const response = await request(`${server.url}/api/jobs/${jobId}/stream`, {
      headers: { authorization: 'Bearer token-alice' },
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(), 5)
    for await (const _chunk of response.body) controller.abort()
  } catch {
    // The client hung up: that is the point.
  }
}

/** A body that trickles until the server cuts it off. */
function trickle(): Promise<string> {
  return new Promise((resolve) => {
    let received = ''
    let timer: NodeJS.Timeout | undefined
    const socket = connect(server.port, '127.0.0.1', () => {
      socket.write(
        `POST /api/markdown/infer-async HTTP/1.1\r\nhost: x\r\nauthorization: Bearer token-alice\r\n` +
          `content-type: multipart/form-data; boundary=${boundary}\r\ncontent-length: 100000\r\n\r\n${partHead('slow.pdf')}`,
      )
      // Only once the request line is out: bytes sent before it would be a malformed request, not a slow one.
      timer = setInterval(() => socket.write('x'), 500)
    })
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1')
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      clearInterval(timer)
      resolve(received)
    })
  })
}

async function settled(jobId: string): Promise<string> {
  for (;;) {
    const { status } = (await client(server).get(`/api/jobs/${jobId}`)).json<{ status: string }>()
    if (status !== 'pending' && status !== 'running') return status
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

it('answers every route after a burst of tiny timeouts, cancels and clients that hang up', async () => {
  const api = client(server)
  const layout = await makeLayoutPdf()
  const scanned = await makeScannedPdf(makeTextPng(['Scanned page of the burst']))
  const docx = makeDocx(['A document in the burst'])

  const jobIds: string[] = []
  const track = async (submitted: Promise<string>) => {
    const jobId = await submitted
    jobIds.push(jobId)
    return jobId
  }
  const actions: Array<Promise<unknown>> = []
  for (let index = 0; index < 12; index++) {
    const timeout = `?timeout=${1 + index * 25}ms`
    actions.push(
      track(
        api.submitJob(index % 3 === 0 ? scanned : layout, {
          filename: `timed-${index}.pdf`,
          contentType: 'application/pdf',
          query: timeout,
        }),
      ),
    )
  }
  for (let index = 0; index < 6; index++) {
    actions.push(
      track(
        api.submitJob(layout, { filename: `cancelled-${index}.pdf`, contentType: 'application/pdf' }),
      ).then((jobId) => api.post(`/api/jobs/${jobId}/cancel`)),
    )
  }
  for (let index = 0; index < 4; index++) {
    actions.push(
      track(
        api.submitJob(docx, {
          filename: 'file',
          contentType: 'application/octet-stream',
          query: `?timeout=${5 + index * 40}ms`,
        }),
      ),
    )
    actions.push(
      track(
        api.submitJob('<h1>Burst</h1><p>HTML</p>', {
          filename: `page-${index}.html`,
          contentType: 'text/html',
          query: '?timeout=10ms',
        }),
      ),
    )
  }
  for (let index = 0; index < 6; index++) {
    actions.push(
      track(
        api.submitJob(layout, {
          filename: `streamed-${index}.pdf`,
          contentType: 'application/pdf',
          query: '?timeout=150ms',
        }),
      ).then(disconnectMidStream),
    )
  }
  for (let index = 0; index < 6; index++) actions.push(disconnectMidUpload(index))
  actions.push(trickle().then((answer) => expect(answer).toMatch(/^HTTP\/1\.1 408 /)))
  actions.push(
    client(server, 'wrong-token')
      .submit(layout)
      .then((reply) => expect(reply.status).toBe(401)),
  )
  actions.push(
    api.submit(new Uint8Array(0), { filename: 'empty.pdf' }).then((reply) => expect(reply.status).toBe(400)),
  )
  actions.push(
    api
      .submit(new Uint8Array(5 * 1024 * 1024), { filename: 'huge.bin' })
      .then((reply) => expect(reply.status).toBe(413)),
  )
  await Promise.all(actions)

  const statuses = await Promise.all(jobIds.map(settled))
  expect(statuses.every((status) => ['completed', 'failed', 'cancelled', 'timeout'].includes(status))).toBe(
    true,
  )
  expect(statuses).toContain('timeout')
  expect(statuses).toContain('cancelled')
  await expect.poll(() => listDirectory(spool), { timeout: 60_000 }).toEqual([])

  // Every route still answers.
  const jobId = await api.submitJob(layout, { filename: 'after.pdf', contentType: 'application/pdf' })
  const { events } = await api.stream(jobId)
  const job = JSON.parse(events[0]!.data)
  expect(job.status).toBe('completed')
  expect(JSON.parse(job.outputData).result).toMatch(/^# Quarterly Results$/m)
  expect((await api.get(`/api/jobs/${jobId}`)).status).toBe(200)
  expect((await api.get('/api/jobs?perPage=100')).json()).toMatchObject({ totalCount: jobIds.length + 1 })
  expect((await api.post(`/api/jobs/${jobId}/cancel`)).json()).toMatchObject({ status: 'completed' })
  expect((await api.get('/api/jobs/no-such-job')).status).toBe(404)
  expect((await api.send('DELETE', '/api/jobs')).status).toBe(405)
  expect((await client(server, 'wrong-token').get('/api/jobs')).status).toBe(401)
  expect(rejections).toEqual([])
}, 120_000)
