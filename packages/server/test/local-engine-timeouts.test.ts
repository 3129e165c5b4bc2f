import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCanvas } from '@napi-rs/canvas'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { localEngine, type RunningServer, startServer } from '../src/index.js'
import { client, listDirectory, tokens } from './support.js'

let spool: string
let server: RunningServer
let pdf: Uint8Array
const rejections: unknown[] = []
const onRejection = (reason: unknown): void => {
  rejections.push(reason)
}

/** A PNG of random pixels: it does not compress, so it spreads the pages of a PDF far apart in the file. */
function noisePng(seed: number): Buffer {
  const canvas = createCanvas(320, 320)
  const context = canvas.getContext('2d')
  const image = context.createImageData(320, 320)
  let state = seed
  for (let index = 0; index < image.data.length; index++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    image.data[index] = index % 4 === 3 ? 255 : state >>> 24
  }
  context.putImageData(image, 0, 0)
  return canvas.toBuffer('image/png')
}

/**
 * A PDF of `pages` pages full of text, each with a large image between them: over a megabyte, so that pdf.js
 * reads it by ranges, page by page, long after the job began (and a short timeout ends the job mid-way).
 */
async function makeLongPdf(pages: number): Promise<Uint8Array> {
  const document = await PDFDocument.create()
  const font = await document.embedFont(StandardFonts.Helvetica)
  for (let number = 1; number <= pages; number++) {
    const page = document.addPage([595, 842])
    const image = await document.embedPng(noisePng(number))
    page.drawImage(image, { x: 50, y: 50, width: 100, height: 100 })
    for (let line = 0; line < 60; line++) {
      page.drawText(`Page ${number}, line ${line}: the quick brown fox jumps over the lazy dog again.`, {
        x: 50,
        y: 800 - line * 12,
        size: 10,
        font,
      })
    }
  }
  return document.save({ useObjectStreams: false })
}

beforeAll(async () => {
  process.on('unhandledRejection', onRejection)
  spool = await mkdtemp(join(tmpdir(), 'numarkdown-local-timeouts-'))
  pdf = await makeLongPdf(5)
  server = await startServer({ tokens, engine: localEngine({ ocrWorkers: 1 }), spoolDirectory: spool })
})

afterAll(async () => {
  await server.close()
  process.off('unhandledRejection', onRejection)
  await rm(spool, { recursive: true, force: true })
})

async function settled(jobId: string): Promise<Record<string, string>> {
  const api = client(server)
  for (;;) {
    const job = (await api.get(`/api/jobs/${jobId}`)).json<Record<string, string>>()
    if (job.status !== 'pending' && job.status !== 'running') return job
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

async function expectServing(): Promise<void> {
  const api = client(server)
  const jobId = await api.submitJob('# After the storm', { filename: 'after.md' })
  const { events } = await api.stream(jobId)
  expect(JSON.parse(events[0]!.data)).toMatchObject({ status: 'completed' })
  expect((await api.get('/api/jobs?perPage=1')).status).toBe(200)
  expect((await api.post(`/api/jobs/${jobId}/cancel`)).status).toBe(200)
}

it('survives a 5-page PDF whose timeout of 300 ms ends it while the engine reads it', async () => {
  const api = client(server)
  const jobId = await api.submitJob(pdf, {
    filename: 'five.pdf',
    contentType: 'application/pdf',
    query: '?timeout=300ms',
  })
  const job = await settled(jobId)
  expect(['timeout', 'completed']).toContain(job.status)
  await expect.poll(() => listDirectory(spool), { timeout: 20_000 }).toEqual([])
  await expectServing()
  expect(rejections).toEqual([])
})

it('survives 12 PDFs at once with timeouts from 150 ms to 1.8 s', async () => {
  const api = client(server)
  const ids = await Promise.all(
    Array.from({ length: 12 }, (_, index) =>
      api.submitJob(pdf, {
        filename: `parallel-${index}.pdf`,
        contentType: 'application/pdf',
        query: `?timeout=${150 + index * 150}ms`,
      }),
    ),
  )
  const jobs = await Promise.all(ids.map(settled))
  for (const job of jobs) expect(['timeout', 'completed']).toContain(job.status)
  await expect.poll(() => listDirectory(spool), { timeout: 60_000 }).toEqual([])
  await expectServing()
  expect(rejections).toEqual([])
}, 120_000)
