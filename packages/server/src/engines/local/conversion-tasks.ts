/**
 * The CPU-heavy steps of the local engine (pdf.js parsing, text layout, rendering of scanned pages, DOCX and HTML
 * conversion) as tasks that run the same in a conversion thread or on the main thread. The OCR a PDF task asks for
 * is called back on the main thread's tesseract pool.
 */
import { toBuffer } from '../shared/threads/thread-messages.js'
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

/** What each kind of task returns. */
export interface ConversionResults {
  pdf: PdfConversion
  docx: DocxConversion
  html: string
}

/** Run one task; `ocr` is the pool (or its stand-in in a thread) and `signal` the job's. */
export async function performConversion(
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
  }
}
