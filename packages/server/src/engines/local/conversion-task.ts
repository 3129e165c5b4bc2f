/**
 * The CPU-heavy steps of the engines (pdf.js parsing, text layout, page rendering, DOCX and HTML conversion) as
 * tasks that run the same in a worker thread or on the main thread, and what crosses between the two: the task,
 * its outcome, errors (an `EngineError` keeps its code), and calls a task makes back to the main thread (OCR runs
 * in the main thread's tesseract pool, so that its size bounds OCR whatever the number of conversion threads).
 */
import type { MessagePort } from 'node:worker_threads'
import { EngineError } from '../../engine-error.js'
import { abortReason } from '../shared/engine-failure.js'
import { openPdf } from '../shared/pdf-document.js'
import { type RenderedPage, renderPdfPage } from '../shared/render-page.js'
import { type DocxConversion, docxToMarkdown } from './docx-to-markdown.js'
import { htmlToMarkdown } from './html-to-markdown.js'
import type { OcrPool } from './ocr-pool.js'
import { type PdfConversion, type PdfConversionOptions, pdfToMarkdown } from './pdf-to-markdown.js'

/** The settings of a PDF conversion that cross to a thread: everything but the OCR pool and the signal. */
export type PdfSettings = Omit<PdfConversionOptions, 'ocr' | 'signal'>

/** One unit of work. */
export type ConversionTask =
  | { kind: 'pdf'; path: string; settings: PdfSettings }
  | { kind: 'docx'; data: Uint8Array }
  | { kind: 'html'; html: string }
  | { kind: 'pageCount'; path: string }
  | { kind: 'renderPage'; path: string; page: number; dpi: number }

/** What each kind of task returns. */
export interface ConversionResults {
  pdf: PdfConversion
  docx: DocxConversion
  html: string
  pageCount: number
  renderPage: RenderedPage
}

/** An error as it crosses threads: structured cloning keeps neither the class nor `code`. */
export interface SerializedError {
  name: string
  message: string
  code?: string
}

/** How a task ended, as the worker sends it back. */
export type TaskOutcome = { ok: true; value: unknown } | { ok: false; error: SerializedError }

/** Run one task; `ocr` is the pool (or its stand-in in a thread) and `signal` the job's. */
export async function performTask(
  task: ConversionTask,
  ocr: OcrPool,
  signal: AbortSignal,
): Promise<ConversionResults[ConversionTask['kind']]> {
  switch (task.kind) {
    case 'pdf':
      return pdfToMarkdown(task.path, { ...task.settings, ocr, signal })
    case 'docx':
      return docxToMarkdown(toBuffer(task.data))
    case 'html':
      return htmlToMarkdown(task.html)
    case 'pageCount': {
      const document = await openPdf(task.path)
      try {
        return document.numPages
      } finally {
        await document.destroy().catch(() => {})
      }
    }
    case 'renderPage': {
      if (signal.aborted) throw abortReason(signal)
      const document = await openPdf(task.path)
      try {
        return await renderPdfPage(document, task.page, task.dpi, signal)
      } finally {
        await document.destroy().catch(() => {})
      }
    }
  }
}

/** A Buffer over the same bytes: structured cloning turns a Buffer into a plain Uint8Array. */
export function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return {
      name: error.name,
      message: error.message,
      ...(error instanceof EngineError && typeof code === 'string' ? { code } : {}),
    }
  }
  return { name: 'Error', message: String(error) }
}

export function deserializeError(error: SerializedError): Error {
  if (error.code !== undefined) return new EngineError(error.code, error.message)
  const restored = new Error(error.message)
  restored.name = error.name
  return restored
}

/** Stands for an `AbortSignal` argument of a call back to the main thread, which passes the job's own signal. */
export const signalArgument = '[job signal]'

/** Messages on a task's port. */
export type PortMessage =
  | { type: 'abort' }
  | { type: 'call'; id: number; method: string; args: unknown[] }
  | { type: 'reply'; id: number; outcome: TaskOutcome }

/**
 * The main-thread side of a task's port: answers the calls the task makes to `target` (methods of its prototype
 * only, AbortSignal arguments replaced by `signal`) and tells the task when the job is aborted.
 */
export function serveCalls(port: MessagePort, target: object, signal: AbortSignal): () => void {
  const onAbort = (): void => port.postMessage({ type: 'abort' } satisfies PortMessage)
  signal.addEventListener('abort', onAbort, { once: true })
  port.on('message', (message: PortMessage) => {
    if (message.type !== 'call') return
    const method = (Object.getPrototypeOf(target) as Record<string, unknown>)[message.method]
    const reply = (outcome: TaskOutcome): void => {
      port.postMessage({ type: 'reply', id: message.id, outcome } satisfies PortMessage)
    }
    if (typeof method !== 'function' || message.method === 'constructor' || message.method === 'close') {
      reply({ ok: false, error: { name: 'Error', message: `No method ${message.method} to call` } })
      return
    }
    const args = message.args.map((argument) =>
      argument === signalArgument ? signal : argument instanceof Uint8Array ? toBuffer(argument) : argument,
    )
    Promise.resolve()
      .then(() => (method as (...values: unknown[]) => unknown).apply(target, args))
      .then(
        (value) => reply({ ok: true, value }),
        (error: unknown) => reply({ ok: false, error: serializeError(error) }),
      )
  })
  return () => {
    signal.removeEventListener('abort', onAbort)
    port.close()
  }
}
