/**
 * Where the engines' CPU work is dispatched: a piscina pool of worker threads, sized to the machine, started on
 * the first task and stopped by `close()`. Parsing a burst of PDFs on the main thread stalled every other request
 * of the server for seconds; in the pool, the main thread only moves messages. Each method has the signature of
 * the function it runs, so the engines call it in the same way; with `threads: 0` the work runs on the main
 * thread (the way to compare, and a fallback for hosts where threads are unwelcome).
 *
 * A task's call returns only once the thread has stopped working on it: aborting a job tells the thread, which
 * stops at its next step (between pages), so that the upload it reads is never removed under it.
 */
import { createRequire } from 'node:module'
import { MessageChannel } from 'node:worker_threads'
import { Piscina } from 'piscina'
import { abortReason, engineFailure } from '../shared/engine-failure.js'
import type { RenderedPage } from '../shared/render-page.js'
import {
  type ConversionResults,
  type ConversionTask,
  deserializeError,
  performTask,
  serveCalls,
  type TaskOutcome,
  toBuffer,
} from './conversion-task.js'
import type { ThreadTask } from './conversion-worker.js'
import type { DocxConversion } from './docx-to-markdown.js'
import type { OcrPool } from './ocr-pool.js'
import type { PdfConversion, PdfConversionOptions } from './pdf-to-markdown.js'

/** Idle threads stop after this long; the next task starts one again. */
const idleTimeoutMs = 60_000

/** Run from its TypeScript source (the package's own tests), a thread needs a loader for TypeScript. */
function workerScript(): { filename: string; execArgv?: string[] } {
  if (!import.meta.url.endsWith('.ts')) {
    return { filename: new URL('./conversion-worker.js', import.meta.url).href }
  }
  const loader = createRequire(import.meta.url).resolve('tsx')
  return { filename: new URL('./conversion-worker.ts', import.meta.url).href, execArgv: ['--import', loader] }
}

export class ConversionPool {
  readonly #threads: number
  #piscina: Piscina | undefined
  #closed = false

  /** @param threads the most threads at once; 0 runs every task on the main thread */
  constructor(threads: number) {
    this.#threads = threads
  }

  /** Threads running now. */
  get threads(): number {
    return this.#piscina?.threads.length ?? 0
  }

  /** {@link pdfToMarkdown}, in a thread. */
  async pdfToMarkdown(path: string, options: PdfConversionOptions): Promise<PdfConversion> {
    const { ocr, signal, ...settings } = options
    return this.#run({ kind: 'pdf', path, settings }, signal, ocr)
  }

  /** {@link docxToMarkdown}, in a thread. */
  docxToMarkdown(data: Buffer): Promise<DocxConversion> {
    return this.#run({ kind: 'docx', data })
  }

  /** {@link htmlToMarkdown}, in a thread. */
  htmlToMarkdown(html: string): Promise<string> {
    return this.#run({ kind: 'html', html })
  }

  /** The number of pages of a PDF file; fails with `InvalidDocument` as `openPdf` does. */
  pdfPageCount(path: string): Promise<number> {
    return this.#run({ kind: 'pageCount', path })
  }

  /** Renders page `page` (from 1) of a PDF file at `dpi`, as {@link renderPdfPage} does for an open document. */
  async renderPdfPage(path: string, page: number, dpi: number, signal: AbortSignal): Promise<RenderedPage> {
    const rendered = await this.#run({ kind: 'renderPage', path, page, dpi }, signal)
    return { ...rendered, png: toBuffer(rendered.png) }
  }

  /** Stops the threads; a task still running fails. The pool starts again if used after. */
  async close(): Promise<void> {
    const piscina = this.#piscina
    this.#piscina = undefined
    this.#closed = true
    await piscina?.destroy()
    this.#closed = false
  }

  async #run<Kind extends ConversionTask['kind']>(
    task: Extract<ConversionTask, { kind: Kind }>,
    signal?: AbortSignal,
    ocr?: OcrPool,
  ): Promise<ConversionResults[Kind]> {
    const jobSignal = signal ?? new AbortController().signal
    if (jobSignal.aborted) throw abortReason(jobSignal)
    if (this.#threads === 0) {
      return (await performTask(task, ocr as OcrPool, jobSignal)) as ConversionResults[Kind]
    }
    const { port1, port2 } = new MessageChannel()
    const aborted = new Int32Array(new SharedArrayBuffer(4))
    const flag = (): void => {
      Atomics.store(aborted, 0, 1)
    }
    jobSignal.addEventListener('abort', flag, { once: true })
    const stopServing = serveCalls(port1, ocr ?? {}, jobSignal)
    let outcome: TaskOutcome
    try {
      const message: ThreadTask = { task, port: port2, aborted }
      outcome = (await this.#pool().run(message, { transferList: [port2] })) as TaskOutcome
    } catch (error) {
      if (jobSignal.aborted) throw abortReason(jobSignal)
      const detail = error instanceof Error ? error.message : String(error)
      throw engineFailure('EngineFailure', `A conversion thread failed: ${detail}`, error)
    } finally {
      jobSignal.removeEventListener('abort', flag)
      stopServing()
    }
    if (outcome.ok) return outcome.value as ConversionResults[Kind]
    if (jobSignal.aborted) throw abortReason(jobSignal)
    throw deserializeError(outcome.error)
  }

  #pool(): Piscina {
    if (this.#closed) throw new Error('The conversion threads are stopping')
    if (!this.#piscina) {
      const piscina = new Piscina({
        ...workerScript(),
        minThreads: 0,
        maxThreads: this.#threads,
        idleTimeout: idleTimeoutMs,
        // Between tasks a thread waits on its event loop, so what a task left to finish can still run.
        atomics: 'async',
      })
      // A thread that dies between tasks is replaced; with no listener the error would end the process.
      piscina.on('error', () => {})
      this.#piscina = piscina
    }
    return this.#piscina
  }
}
