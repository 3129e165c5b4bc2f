import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Worker as ThreadWorker } from 'node:worker_threads'
import Tesseract from 'tesseract.js'
import { EngineError } from '../../engine-error.js'
import { engineFailure, raceAbort } from './engine-failure.js'

const require = createRequire(import.meta.url)

/** The English model shipped in @tesseract.js-data/eng: read from disk, never downloaded. */
function languagePath(): string {
  return join(dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int')
}

/** A recognised paragraph of a page. */
export interface OcrParagraph {
  lines: Array<{ text: string; height: number }>
  confidence: number
}

/** What OCR read on one image. */
export interface OcrResult {
  text: string
  /** Mean word confidence, 0–100. */
  confidence: number
  paragraphs: OcrParagraph[]
}

interface TesseractBlock {
  paragraphs?: Array<{
    confidence: number
    lines?: Array<{ text: string; bbox: { y0: number; y1: number } }>
  }>
}

/**
 * A pool of tesseract.js workers (worker threads) behind one scheduler. Workers start on demand, one more each
 * time every started worker is busy, up to `size`; they stay up for later documents until `close()`.
 */
export class OcrPool {
  readonly #size: number
  readonly #timeoutMs: number
  #scheduler: Tesseract.Scheduler | undefined
  #workers: Array<Promise<Tesseract.Worker>> = []
  #busy = 0
  #failure: Error | undefined

  constructor(size: number, timeoutMs: number) {
    this.#size = size
    this.#timeoutMs = timeoutMs
  }

  /** Workers started so far. */
  get workers(): number {
    return this.#workers.length
  }

  #startWorker(): Promise<Tesseract.Worker> {
    this.#scheduler ??= Tesseract.createScheduler()
    const scheduler = this.#scheduler
    const started = Tesseract.createWorker('eng', Tesseract.OEM.LSTM_ONLY, {
      langPath: languagePath(),
      cacheMethod: 'none',
      gzip: true,
      // Without a handler, tesseract.js rethrows a failed job inside its message listener: an uncaught error.
      errorHandler: () => {},
    }).then((worker) => {
      const thread = (worker as unknown as { worker?: ThreadWorker }).worker
      thread?.on('error', (error: Error) => {
        this.#failure = error
      })
      scheduler.addWorker(worker)
      return worker
    })
    started.catch(() => {})
    this.#workers.push(started)
    return started
  }

  /** Reads the text of an image (PNG, JPEG, BMP, WebP, TIFF bytes). */
  async recognize(image: Buffer, signal: AbortSignal): Promise<OcrResult> {
    if (this.#failure) {
      const failure = this.#failure
      await this.close()
      this.#failure = undefined
      throw engineFailure('EngineFailure', `An OCR worker failed: ${failure.message}`, failure)
    }
    if (this.#workers.length < this.#size && this.#busy >= this.#workers.length) this.#startWorker()
    try {
      await Promise.any(this.#workers)
    } catch (error) {
      this.#workers = []
      throw engineFailure('EngineFailure', `The OCR engine could not start: ${String(error)}`, error)
    }
    const scheduler = this.#scheduler as Tesseract.Scheduler
    this.#busy++
    let timer: NodeJS.Timeout | undefined
    try {
      const job = scheduler.addJob('recognize', image, {}, { text: true, blocks: true })
      const watchdog = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(engineFailure('EngineFailure', `OCR of a page took longer than ${this.#timeoutMs} ms`)),
          this.#timeoutMs,
        )
      })
      const result = await raceAbort(Promise.race([job, watchdog]), signal)
      const paragraphs: OcrParagraph[] = []
      for (const block of (result.data.blocks ?? []) as TesseractBlock[]) {
        for (const paragraph of block.paragraphs ?? []) {
          paragraphs.push({
            confidence: paragraph.confidence,
            lines: (paragraph.lines ?? []).map((line) => ({
              text: line.text,
              height: line.bbox.y1 - line.bbox.y0,
            })),
          })
        }
      }
      return { text: result.data.text, confidence: result.data.confidence, paragraphs }
    } catch (error) {
      if (signal.aborted || error instanceof EngineError) throw error
      const detail = error instanceof Error ? error.message : String(error)
      throw engineFailure('InvalidDocument', `The image could not be read: ${detail}`, error)
    } finally {
      clearTimeout(timer)
      this.#busy--
    }
  }

  /** Stops every worker. The pool starts new ones if used again. */
  async close(): Promise<void> {
    const workers = this.#workers
    this.#workers = []
    this.#scheduler = undefined
    await Promise.all(
      workers.map(async (started) => {
        try {
          await (await started).terminate()
        } catch {
          // A worker that failed to start has nothing to stop.
        }
      }),
    )
  }
}
