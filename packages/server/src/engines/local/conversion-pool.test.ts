import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { EngineError } from '../../engine-error.js'
import { ConversionPool } from './conversion-pool.js'
import { OcrPool } from './ocr-pool.js'
import type { PdfConversionOptions } from './pdf-to-markdown.js'
import { makeLayoutPdf, makeScannedPdf, makeTextPng } from './test-documents.js'

let folder: string
let pool: ConversionPool | undefined
const ocr = new OcrPool(1, 120_000)

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'numarkdown-conversion-pool-'))
})
afterEach(async () => {
  await pool?.close()
  pool = undefined
})
afterAll(async () => {
  await ocr.close()
  await rm(folder, { recursive: true, force: true })
})

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(folder, name)
  await writeFile(path, content)
  return path
}

function options(signal = new AbortController().signal): PdfConversionOptions {
  return { dpi: 150, ocr, concurrency: 1, minimumTextCharacters: 16, fontWeights: false, signal }
}

/** Records the thread each OCR call runs on. */
class ThreadRecordingOcr extends OcrPool {
  readonly threads: number[] = []
  override recognize(image: Buffer, signal: AbortSignal): ReturnType<OcrPool['recognize']> {
    this.threads.push(threadId)
    return super.recognize(image, signal)
  }
}

describe('ConversionPool', () => {
  it('starts no thread before its first task, converts a PDF in one, and stops it on close()', async () => {
    pool = new ConversionPool(2)
    expect(pool.threads).toBe(0)
    const conversion = await pool.pdfToMarkdown(await file('layout.pdf', await makeLayoutPdf()), options())
    expect(conversion.markdown).toMatch(/^# Quarterly Results$/m)
    expect(conversion.pages).toHaveLength(3)
    expect(pool.threads).toBeGreaterThanOrEqual(1)
    await pool.close()
    expect(pool.threads).toBe(0)
  })

  it('sends the OCR of scanned pages back to the pool of the main thread', async () => {
    pool = new ConversionPool(1)
    const recording = new ThreadRecordingOcr(1, 120_000)
    try {
      const path = await file('scan.pdf', await makeScannedPdf(makeTextPng(['Invoice number 4711'])))
      const conversion = await pool.pdfToMarkdown(path, { ...options(), ocr: recording })
      expect(conversion.markdown).toContain('Invoice number 4711')
      expect(conversion.pages.map((page) => page.route)).toEqual(['text', 'ocr'])
      expect(recording.threads).toEqual([threadId])
    } finally {
      await recording.close()
    }
  })

  it('keeps the code of an engine failure raised in a thread', async () => {
    pool = new ConversionPool(1)
    const error = await pool
      .pdfToMarkdown(await file('broken.pdf', '%PDF-1.7\nnot really a PDF'), options())
      .catch((reason: unknown) => reason)
    expect(error).toBeInstanceOf(EngineError)
    expect((error as EngineError).code).toBe('InvalidDocument')
  })

  it('answers an aborted job with its own reason once the thread has stopped', async () => {
    pool = new ConversionPool(1)
    const controller = new AbortController()
    const reason = new Error('The job was timed out')
    const path = await file('abort.pdf', await makeLayoutPdf())
    const running = pool.pdfToMarkdown(path, options(controller.signal))
    controller.abort(reason)
    await expect(running).rejects.toBe(reason)
    // The thread is free again: the next task runs on it.
    const next = await pool.pdfToMarkdown(path, options())
    expect(next.pages).toHaveLength(3)
  })

  it('converts HTML in a thread', async () => {
    pool = new ConversionPool(1)
    expect(await pool.htmlToMarkdown('<h1>Title</h1><p>Text <b>bold</b></p>')).toBe(
      '# Title\n\nText **bold**',
    )
    expect(pool.threads).toBe(1)
  })

  it('runs on the main thread with 0 threads', async () => {
    pool = new ConversionPool(0)
    const conversion = await pool.pdfToMarkdown(await file('main.pdf', await makeLayoutPdf()), options())
    expect(conversion.pages).toHaveLength(3)
    expect(pool.threads).toBe(0)
  })
})
