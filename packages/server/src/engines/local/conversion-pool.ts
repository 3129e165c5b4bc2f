/**
 * The local engine's conversion threads: each method has the signature of the function it runs, so the engine
 * calls it in the same way, and the OCR of scanned pages goes back to the main thread's tesseract pool.
 */
import { TaskThreads } from '../shared/threads/task-threads.js'
import { type ConversionResults, type ConversionTask, performConversion } from './conversion-tasks.js'
import type { DocxConversion } from './docx-to-markdown.js'
import type { OcrPool } from './ocr-pool.js'
import type { PdfConversion, PdfConversionOptions } from './pdf-to-markdown.js'

export class ConversionPool {
  readonly #threads: TaskThreads<ConversionTask, ConversionResults, OcrPool>

  /** @param threads the most threads at once; 0 runs every task on the main thread */
  constructor(threads: number) {
    this.#threads = new TaskThreads({
      threads,
      script: new URL('./conversion-thread.js', import.meta.url),
      perform: performConversion,
    })
  }

  /** Threads running now. */
  get threads(): number {
    return this.#threads.threads
  }

  /** {@link pdfToMarkdown}, in a thread. */
  pdfToMarkdown(path: string, options: PdfConversionOptions): Promise<PdfConversion> {
    const { ocr, signal, ...settings } = options
    return this.#threads.run({ kind: 'pdf', path, settings }, { signal, calls: ocr })
  }

  /** {@link docxToMarkdown}, in a thread. */
  docxToMarkdown(data: Buffer): Promise<DocxConversion> {
    return this.#threads.run({ kind: 'docx', data })
  }

  /** {@link htmlToMarkdown}, in a thread. */
  htmlToMarkdown(html: string): Promise<string> {
    return this.#threads.run({ kind: 'html', html })
  }

  /** Stops the threads; a task still running fails. The pool starts again if used after. */
  close(): Promise<void> {
    return this.#threads.close()
  }
}
