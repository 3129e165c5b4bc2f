import type { PDFDocumentProxy } from 'pdfjs-dist/types/src/display/api.js'
import { abortReason, engineFailure } from './engine-failure.js'
import { blocksToMarkdown, findTitleSize, measureStyle, regionsToBlocks } from './layout-markdown.js'
import { mapLimit } from './map-limit.js'
import { ocrToMarkdown } from './ocr-markdown.js'
import type { OcrPool } from './ocr-pool.js'
import { dropRepeatedMargins, type PageLines } from './page-margins.js'
import { readingRegions } from './page-regions.js'
import { openPdf } from './pdf-document.js'
import { renderPdfPage } from './render-page.js'
import { buildLines } from './text-lines.js'
import { type PageText, readPageText } from './text-runs.js'

/** What the engine did with one page, for the reasoning trace and the benchmark. */
export interface PageReport {
  page: number
  /** `empty`: a text-layer page with no text left once headers and footers are dropped; `blank`: rendered, all white. */
  route: 'text' | 'ocr' | 'empty' | 'blank'
  /** Wall time spent on the page: text extraction and layout, or rendering and OCR. */
  milliseconds: number
  characters: number
  columns?: 1 | 2
  /** OCR mean word confidence, 0–100. */
  confidence?: number
}

/** The result of converting a PDF. */
export interface PdfConversion {
  markdown: string
  pages: PageReport[]
  droppedMarginLines: number
}

/** Options of {@link pdfToMarkdown}. */
export interface PdfConversionOptions {
  dpi: number
  ocr: OcrPool
  /** Pages OCRed at once. */
  concurrency: number
  /** A page with fewer characters of text than this is rendered and OCRed. */
  minimumTextCharacters: number
  /** Read font weights (bold headings at body size) from each page's operator list. */
  fontWeights: boolean
  signal: AbortSignal
}

/** Private-use and replacement characters: what a text layer without a usable font encoding yields. */
const unreadable = /[\uE000-\uF8FF\uFFFD]/gu

function needsOcr(text: PageText, minimumCharacters: number): boolean {
  if (text.characters < minimumCharacters) return true
  const joined = text.runs.map((run) => run.text).join('')
  const bad = joined.match(unreadable)?.length ?? 0
  return bad > joined.length * 0.3
}

function checkAbort(signal: AbortSignal): void {
  if (signal.aborted) throw abortReason(signal)
}

async function convertDocument(
  document: PDFDocumentProxy,
  options: PdfConversionOptions,
): Promise<PdfConversion> {
  const { signal } = options
  const reports: PageReport[] = []
  const textPages = new Map<number, PageLines & { columns: 1 | 2; width: number }>()
  const ocrPages: number[] = []
  const markdownOfPage = new Map<number, string>()
  const fontWeights = new Map<string, boolean>()
  for (let number = 1; number <= document.numPages; number++) {
    checkAbort(signal)
    const started = performance.now()
    let text: PageText
    try {
      const page = await document.getPage(number)
      text = await readPageText(page, options.fontWeights, fontWeights)
      page.cleanup()
    } catch (error) {
      if (signal.aborted) throw abortReason(signal)
      const detail = error instanceof Error ? error.message : String(error)
      throw engineFailure('InvalidDocument', `Page ${number} of the PDF could not be read: ${detail}`, error)
    }
    if (needsOcr(text, options.minimumTextCharacters)) {
      ocrPages.push(number)
      reports.push({ page: number, route: 'ocr', milliseconds: performance.now() - started, characters: 0 })
      continue
    }
    textPages.set(number, {
      height: text.height,
      width: text.width,
      lines: buildLines(text.runs),
      columns: 1,
    })
    reports.push({ page: number, route: 'text', milliseconds: performance.now() - started, characters: 0 })
  }

  const layoutStarted = performance.now()
  const { bodySize } = measureStyle([...textPages.values()].map((page) => page.lines))
  const droppedMarginLines = dropRepeatedMargins([...textPages.values()], bodySize)
  const style = measureStyle([...textPages.values()].map((page) => page.lines))
  const pageBlocks = new Map<number, ReturnType<typeof regionsToBlocks>>()
  for (const [number, page] of textPages) {
    const { regions, columns } = readingRegions(page.lines, page.width)
    page.columns = columns
    pageBlocks.set(number, regionsToBlocks(regions, style))
  }
  findTitleSize([...pageBlocks.values()].flat(), style)
  const layoutShare = textPages.size > 0 ? (performance.now() - layoutStarted) / textPages.size : 0
  for (const [number, blocks] of pageBlocks) {
    const markdown = blocksToMarkdown(blocks, style)
    markdownOfPage.set(number, markdown)
    const report = reports[number - 1] as PageReport
    report.milliseconds += layoutShare
    report.characters = markdown.length
    report.columns = textPages.get(number)?.columns ?? 1
  }

  await mapLimit(ocrPages, options.concurrency, signal, async (number) => {
    const started = performance.now()
    const rendered = await renderPdfPage(document, number, options.dpi, signal)
    const report = reports[number - 1] as PageReport
    if (rendered.blank) {
      report.route = 'blank'
      report.milliseconds += performance.now() - started
      return
    }
    const result = await options.ocr.recognize(rendered.png, signal)
    const markdown = ocrToMarkdown(result)
    markdownOfPage.set(number, markdown)
    report.milliseconds += performance.now() - started
    report.characters = markdown.length
    report.confidence = result.confidence
    if (markdown.length === 0) report.route = 'empty'
  })

  for (const report of reports) {
    if (report.route === 'text' && report.characters === 0) report.route = 'empty'
  }
  const markdown = reports
    .map((report) => markdownOfPage.get(report.page) ?? '')
    .filter((page) => page.length > 0)
    .join('\n\n')
  return { markdown, pages: reports, droppedMarginLines }
}

/** Converts a PDF: text-layer pages by layout analysis, pages without a usable text layer by OCR. */
export async function pdfToMarkdown(path: string, options: PdfConversionOptions): Promise<PdfConversion> {
  checkAbort(options.signal)
  const document = await openPdf(path)
  try {
    return await convertDocument(document, options)
  } finally {
    await document.destroy().catch(() => {})
  }
}
