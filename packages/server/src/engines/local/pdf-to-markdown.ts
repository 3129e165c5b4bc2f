import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js'
import { abortReason, engineFailure } from '../shared/engine-failure.js'
import { mapConcurrently } from '../shared/map-concurrently.js'
import { openPdf } from '../shared/pdf-document.js'
import { renderPdfPage } from '../shared/render-page.js'
import { type FormField, formFieldsToMarkdown, readFormFields } from './form-fields.js'
import {
  blocksToMarkdown,
  findTitleSize,
  linesInTables,
  measureStyle,
  regionsToBlocks,
} from './layout-markdown.js'
import { judgeOcrText } from './ocr-confidence.js'
import { ocrToMarkdown } from './ocr-markdown.js'
import { looksSideways } from './ocr-orientation.js'
import type { OcrPool, OcrResult } from './ocr-pool.js'
import { pageHasImages } from './page-images.js'
import { dropRepeatedMargins, type PageLines } from './page-margins.js'
import { readingRegions } from './page-regions.js'
import { withPngResolution } from './png-resolution.js'
import { buildLines, type Line, lineText } from './text-lines.js'
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
  /** Clockwise turn OCR applied to set a scanned page upright. */
  rotation?: number
  /** The languages OCR read the page in. */
  languages?: string[]
  /** Filled-in form fields written out. */
  formFields?: number
  /** A short text layer kept although the page was also OCRed, because OCR did not read clearly more. */
  keptTextLayer?: boolean
  /** OCR text left out because its confidence was too low to pass for the page's text. */
  unreadable?: boolean
}

/** The result of converting a PDF. */
export interface PdfConversion {
  markdown: string
  pages: PageReport[]
  droppedMarginLines: number
  /** What the reader of the result should know: pages left blank or unreadable, an empty result. */
  warnings: string[]
}

/** Options of {@link pdfToMarkdown}. */
export interface PdfConversionOptions {
  dpi: number
  ocr: OcrPool
  /** Pages OCRed at once. */
  concurrency: number
  /**
   * A page with fewer characters of text than this is rendered and OCRed when it draws an image; the OCR text
   * replaces the text layer only when it is confident and clearly longer.
   */
  minimumTextCharacters: number
  /** Read font weights (bold headings at body size) from each page's operator list. */
  fontWeights: boolean
  signal: AbortSignal
}

/** Private-use and replacement characters: what a text layer without a usable font encoding yields. */
const unreadable = /[\uE000-\uF8FF\uFFFD]/gu

/** How a page's text is read: its text layer, OCR, or OCR weighed against a short text layer. */
type PageRoute = 'text' | 'ocr' | 'compare'

function hasUnreadableText(text: PageText): boolean {
  const joined = text.runs.map((run) => run.text).join('')
  const bad = joined.match(unreadable)?.length ?? 0
  return bad > joined.length * 0.3
}

/** The route of a page, from what its text layer and form fields hold and whether it draws an image. */
async function choosePageRoute(
  page: PDFPageProxy,
  found: { text: PageText; fields: FormField[]; minimumCharacters: number },
): Promise<PageRoute> {
  const { text, fields, minimumCharacters } = found
  if (text.characters > 0 && hasUnreadableText(text)) return 'ocr'
  if (text.characters >= minimumCharacters) return 'text'
  // A short text layer (a title, a CJK line, a Type3 font) or none: OCR can only add what an image holds.
  const images = await pageHasImages(page)
  if (text.characters === 0) return fields.length > 0 && !images ? 'text' : 'ocr'
  return images ? 'compare' : 'text'
}

/** Whether most words of `text` are among the words of `other` (case and punctuation aside). */
function coveredBy(text: string, other: string): boolean {
  const words = (value: string): string[] => value.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
  const available = new Set(words(other))
  const wanted = words(text)
  return wanted.filter((word) => available.has(word)).length * 2 >= wanted.length
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word)).length
}

/**
 * Whether OCR read clearly more than a short text layer: confident, and several times the words. A text layer in
 * a script the OCR languages do not read comes back as low-confidence noise and is kept.
 */
function ocrIsClearlyBetter(result: OcrResult, ocrMarkdown: string, textMarkdown: string): boolean {
  if (result.confidence < 80) return false
  const textWords = wordCount(textMarkdown)
  const ocrWords = wordCount(ocrMarkdown)
  return ocrWords >= textWords * 2 + 3
}

function checkAbort(signal: AbortSignal): void {
  if (signal.aborted) throw abortReason(signal)
}

async function convertDocument(
  document: PDFDocumentProxy,
  options: PdfConversionOptions,
): Promise<PdfConversion> {
  const { signal } = options
  if (document.numPages === 0) {
    throw engineFailure('EmptyDocument', 'The PDF has no pages: there is nothing to convert')
  }
  const reports: PageReport[] = []
  const textPages = new Map<number, PageLines & { columns: 1 | 2; width: number }>()
  const ocrPages: Array<{ number: number; compare: boolean }> = []
  const markdownOfPage = new Map<number, string>()
  const fieldsOfPage = new Map<number, FormField[]>()
  const fontWeights = new Map<string, boolean>()
  const warnings: string[] = []
  for (let number = 1; number <= document.numPages; number++) {
    checkAbort(signal)
    const started = performance.now()
    let text: PageText
    let route: PageRoute
    try {
      const page = await document.getPage(number)
      text = await readPageText(page, options.fontWeights, fontWeights)
      const fields = await readFormFields(page)
      if (fields.length > 0) fieldsOfPage.set(number, fields)
      route = await choosePageRoute(page, {
        text,
        fields,
        minimumCharacters: options.minimumTextCharacters,
      })
      page.cleanup()
    } catch (error) {
      if (signal.aborted) throw abortReason(signal)
      const detail = error instanceof Error ? error.message : String(error)
      throw engineFailure('InvalidDocument', `Page ${number} of the PDF could not be read: ${detail}`, error)
    }
    if (route !== 'text') ocrPages.push({ number, compare: route === 'compare' })
    if (route !== 'ocr') {
      textPages.set(number, {
        height: text.height,
        width: text.width,
        lines: buildLines(text.runs),
        columns: 1,
      })
    }
    reports.push({
      page: number,
      route: route === 'ocr' ? 'ocr' : 'text',
      milliseconds: performance.now() - started,
      characters: 0,
    })
  }

  const layoutStarted = performance.now()
  const { bodySize } = measureStyle([...textPages.values()].map((page) => page.lines))
  const droppedMarginLines = dropRepeatedMargins([...textPages.values()], bodySize)
  const regionsOfPage = new Map<number, Line[][]>()
  for (const [number, page] of textPages) {
    const { regions, columns } = readingRegions(page.lines, page.width)
    page.columns = columns
    regionsOfPage.set(number, regions)
  }
  // Body size and line spacing come from the running text: a page of tables set smaller would otherwise make every
  // paragraph look like a heading.
  const running = [...regionsOfPage.values()].map((regions) => {
    const inTables = linesInTables(regions)
    return regions.flat().filter((line) => !inTables.has(line))
  })
  const runningCharacters = running.flat().reduce((total, line) => total + lineText(line).length, 0)
  const style = measureStyle(
    runningCharacters >= 100 ? running : [...textPages.values()].map((page) => page.lines),
  )
  const pageBlocks = new Map<number, ReturnType<typeof regionsToBlocks>>()
  for (const [number, regions] of regionsOfPage) pageBlocks.set(number, regionsToBlocks(regions, style))
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

  await mapConcurrently(
    ocrPages,
    { concurrency: options.concurrency, signal },
    async ({ number, compare }) => {
      const started = performance.now()
      const rendered = await renderPdfPage(document, { page: number, dpi: options.dpi, signal })
      const report = reports[number - 1] as PageReport
      if (rendered.blank) {
        if (!compare) report.route = 'blank'
        report.milliseconds += performance.now() - started
        return
      }
      const sideways = options.ocr.detectsOrientation && (await looksSideways(rendered.png))
      const result = await options.ocr.recognize(withPngResolution(rendered.png, options.dpi), signal, {
        sideways,
      })
      const markdown = ocrToMarkdown(result)
      report.milliseconds += performance.now() - started
      const textLayer = compare ? (markdownOfPage.get(number) ?? '') : ''
      if (compare && !ocrIsClearlyBetter(result, markdown, textLayer)) {
        report.keptTextLayer = true
        return
      }
      report.route = 'ocr'
      report.confidence = result.confidence
      report.rotation = result.rotation
      report.languages = result.languages
      const verdict = judgeOcrText(markdown, result.confidence, `Page ${number}: the scan`)
      if (verdict.warning) warnings.push(verdict.warning)
      if (verdict.unreadable) {
        report.unreadable = true
        markdownOfPage.delete(number)
        return
      }
      // A short text layer that OCR did not read (a CJK title over an English scan) is kept above the OCR text.
      const kept =
        textLayer && !coveredBy(textLayer, verdict.markdown)
          ? `${textLayer}\n\n${verdict.markdown}`
          : verdict.markdown
      markdownOfPage.set(number, kept)
      report.characters = kept.length
    },
  )

  for (const [number, fields] of fieldsOfPage) {
    const report = reports[number - 1] as PageReport
    const fieldsMarkdown = formFieldsToMarkdown(fields)
    const markdown = [markdownOfPage.get(number) ?? '', fieldsMarkdown]
      .filter((part) => part.length > 0)
      .join('\n\n')
    markdownOfPage.set(number, markdown)
    report.formFields = fields.length
    report.characters = markdown.length
  }
  for (const report of reports) {
    const empty = (markdownOfPage.get(report.page) ?? '').length === 0
    if (report.route === 'text' && empty) report.route = 'empty'
    if (report.route === 'ocr' && empty && !report.unreadable) report.route = 'empty'
    if (report.route === 'blank') warnings.push(`Page ${report.page} is blank.`)
  }
  const markdown = reports
    .map((report) => markdownOfPage.get(report.page) ?? '')
    .filter((page) => page.length > 0)
    .join('\n\n')
  if (markdown.length === 0) {
    warnings.push(
      `No text was found in the PDF's ${reports.length} page${reports.length === 1 ? '' : 's'}: no text layer, no form field values, and nothing OCR could read.`,
    )
  }
  return { markdown, pages: reports, droppedMarginLines, warnings }
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
