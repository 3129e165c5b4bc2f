/**
 * `splitPages` and `convertPages()`: a PDF cut into page ranges, one job per range under the client's shared
 * limit, each range delivered in page order as soon as it and every range before it are done. A range that
 * fails is retried on its own, never the whole document; one that still fails stops the conversion
 * (`PageRangeError`) or is skipped with a marker, as the caller chose. pdf-lib, which cuts the PDF, is loaded on
 * the first split only: it is 150-odd modules that importing the client must not pay for.
 */
import { readFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import type { PDFDocument } from 'pdf-lib'
import {
  ConnectionError,
  JobFailedError,
  NuMarkdownError,
  PageRangeError,
  ServerError,
  ValidationError,
} from '../errors.js'
import type { ConversionResult, PageErrorPolicy, PageResult, Usage } from '../types.js'
import type { Call } from './call.js'
import { type ConversionRequest, convertUpload } from './convert-upload.js'
import { prepareUpload, type UploadSource } from './input.js'
import { Operation } from './operation.js'
import { type PageSelection, selectPages } from './page-selection.js'

/** Attempts of one range: the first, and one retry on its own. */
const rangeAttempts = 2

/** How a document is cut. */
export interface PageCut {
  pagesPerChunk: number
  selection: PageSelection | undefined
}

/** A conversion split into page ranges. */
export interface PagedConversionRequest extends ConversionRequest {
  onPageError: PageErrorPolicy
}

/**
 * How a document will be converted: page ranges of a PDF, or whole (not a PDF, or one pdf-lib cannot read),
 * with the warning that says so.
 */
export type PagePlan =
  | { kind: 'ranges'; totalPages: number; selectedPages: number[]; chunks: PdfChunk[] }
  | { kind: 'whole'; warning: string }

/** One range as it was delivered: its page entry, and the full result of its job (none for a skipped range). */
export interface PageOutcome {
  page: PageResult
  result: ConversionResult | undefined
}

/**
 * Reads and cuts `source`.
 * @throws {ValidationError} when pages were selected in a document that cannot be cut into pages, or pages
 * past its end.
 */
export async function planPages(source: UploadSource, cut: PageCut): Promise<PagePlan> {
  const unsplittable = (why: string, warning: string): PagePlan => {
    if (cut.selection) {
      throw new ValidationError(
        `pages ${cut.selection.text}: ${why}, so its pages cannot be chosen; leave pages out to convert it whole`,
        { parameter: 'pages' },
      )
    }
    return { kind: 'whole', warning }
  }
  if (source.contentType !== 'application/pdf') {
    return unsplittable(
      `${source.filename} is ${source.contentType}, not a PDF`,
      `splitPages applies to PDF only; ${source.filename} (${source.contentType}) was converted as one job`,
    )
  }
  const bytes = source.bytes ?? (source.path ? await readFile(source.path) : undefined)
  const split = bytes ? await splitPdf(bytes, cut) : undefined
  if (!split || split.chunks.length === 0) {
    return unsplittable(
      `${source.filename} could not be read as a PDF (encrypted or damaged)`,
      `splitPages: ${source.filename} could not be split (encrypted or damaged PDF); converted as one job`,
    )
  }
  return { kind: 'ranges', ...split }
}

/**
 * Converts each range of `plan` (a whole document is one range, page 1) and yields them in page order, each as
 * soon as it and every range before it are done. Returning early (a `break`) or an abort cancels every range
 * still running, remote jobs included; so does a range that fails with `onPageError: 'throw'`, whose
 * `PageRangeError` is thrown at once.
 */
export async function* streamPages(
  call: Call,
  source: UploadSource,
  plan: PagePlan,
  request: PagedConversionRequest,
): AsyncGenerator<PageOutcome, void, undefined> {
  const { operation } = call
  const stem = basename(source.filename, extname(source.filename)) || 'document'
  const ranges: RangeJob[] =
    plan.kind === 'whole'
      ? [{ pageNumber: 1, lastPageNumber: 1, source: async () => source, warnings: [plan.warning] }]
      : plan.chunks.map((chunk) => ({
          pageNumber: chunk.firstPage,
          lastPageNumber: chunk.lastPage,
          totalPages: plan.totalPages,
          source: () =>
            prepareUpload(chunk.bytes, {
              filename: `${stem}-p${chunk.firstPage}${chunk.lastPage === chunk.firstPage ? '' : `-${chunk.lastPage}`}.pdf`,
              contentType: 'application/pdf',
              spoolStreams: false,
            }),
        }))
  call.emit({
    type: 'pages-total',
    filename: source.filename,
    ranges: ranges.length,
    ...(plan.kind === 'ranges'
      ? { totalPages: plan.totalPages, selectedPages: plan.selectedPages.length }
      : {}),
  })
  // A range that fails for good, an early return or the end of the call stops the ranges still running.
  const siblings = new AbortController()
  const tasks = ranges.map((range) =>
    convertRange(call, range, { ...request, filename: source.filename, siblings: siblings.signal }),
  )
  // The first range to fail for good, whatever its place: the conversion fails at once, not when its turn comes.
  const firstFailure = new Promise<never>((_, reject) => {
    for (const task of tasks) {
      task.catch((error: unknown) => {
        if (!isSiblingAbort(error, operation)) reject(error)
      })
    }
  })
  firstFailure.catch(() => {})
  try {
    for (const task of tasks) yield await Promise.race([task, firstFailure])
  } finally {
    siblings.abort()
    await Promise.allSettled(tasks)
  }
}

/**
 * Converts `plan` and merges its ranges in page order, the markdown with a blank line between ranges and the
 * token counts summed. The job is the first range's.
 */
export async function convertSplitPages(
  call: Call,
  source: UploadSource,
  plan: Extract<PagePlan, { kind: 'ranges' }>,
  request: PagedConversionRequest,
): Promise<ConversionResult> {
  const outcomes: PageOutcome[] = []
  for await (const outcome of streamPages(call, source, plan, request)) outcomes.push(outcome)
  const pages = outcomes.map((outcome) => outcome.page)
  const converted = outcomes.flatMap((outcome) => (outcome.result ? [outcome.result] : []))
  const failedPages = pages.flatMap((page) =>
    page.error
      ? [{ pageNumber: page.pageNumber, lastPageNumber: page.lastPageNumber, error: page.error }]
      : [],
  )
  const first = converted[0]
  if (!first) {
    // Every range was skipped: nothing to merge, and no job to name.
    throw failedPages[0]!.error
  }
  let usage: Usage | undefined
  for (const result of converted) usage = addUsage(usage, result.usage)
  const merged: ConversionResult = {
    markdown: pages.map((page) => page.markdown).join('\n\n'),
    reasoning: pages.map((page) => page.reasoning).join('\n\n'),
    partial: converted.some((result) => result.partial) || failedPages.length > 0,
    recovered: converted.some((result) => result.recovered),
    jobId: first.jobId,
    job: first.job,
    pages,
  }
  if (failedPages.length > 0) merged.failedPages = failedPages
  if (usage) merged.usage = usage
  return merged
}

/** The text that stands in the markdown where a skipped range would have been. */
export function failedPagesMarker(error: PageRangeError): string {
  return `<!-- numarkdown: ${error.message.replaceAll('--', '- -')} -->`
}

/** One range to convert. */
interface RangeJob {
  pageNumber: number
  lastPageNumber: number
  totalPages?: number
  source: () => Promise<UploadSource>
  warnings?: string[]
}

/**
 * Converts one range under its own operation (which its siblings may stop), retrying it on its own once when
 * its job failed or the server could not be reached. Resolves with its page entry; rejects with a
 * `PageRangeError` for a range that failed for good (unless skipped), or with the abort that stopped it.
 */
async function convertRange(
  call: Call,
  range: RangeJob,
  request: PagedConversionRequest & { filename: string; siblings: AbortSignal },
): Promise<PageOutcome> {
  const { filename } = request
  const rangeCall = call.under(new Operation({ signal: request.siblings, parent: call.operation }))
  const { pageNumber, lastPageNumber } = range
  const pagesText =
    lastPageNumber === pageNumber ? `page ${pageNumber}` : `pages ${pageNumber}-${lastPageNumber}`
  try {
    const source = await range.source()
    let lastError: unknown
    for (let attempt = 1; attempt <= rangeAttempts; attempt++) {
      try {
        const result = await convertUpload(rangeCall, source, request)
        rangeCall.emit({
          type: 'page-done',
          pageNumber,
          lastPageNumber,
          outcome: 'converted',
          jobId: result.jobId,
        })
        const page: PageResult = {
          pageNumber,
          lastPageNumber,
          markdown: result.markdown,
          reasoning: result.reasoning,
          partial: result.partial,
          jobId: result.jobId,
          ...(range.totalPages === undefined ? {} : { totalPages: range.totalPages }),
          ...(result.usage === undefined ? {} : { usage: result.usage }),
          ...(range.warnings === undefined ? {} : { warnings: range.warnings }),
        }
        return { page, result }
      } catch (error) {
        if (rangeCall.operation.aborted || !isRangeFailure(error)) throw error
        lastError = error
        if (attempt < rangeAttempts) {
          call.client.logger.info(`numarkdown: ${pagesText} of ${filename} failed; converting it again`, {
            filename,
            pageNumber,
            lastPageNumber,
            error: error.message,
          })
        }
      }
    }
    const cause = lastError as NuMarkdownError
    const error = new PageRangeError(`${pagesText} of ${filename} failed: ${cause.message}`, {
      pageNumber,
      lastPageNumber,
      cause,
      ...(cause.code === undefined ? {} : { code: cause.code }),
      ...(cause.jobId === undefined ? {} : { jobId: cause.jobId }),
    })
    rangeCall.emit({
      type: 'page-done',
      pageNumber,
      lastPageNumber,
      outcome: 'failed',
      ...(cause.jobId === undefined ? {} : { jobId: cause.jobId }),
    })
    if (request.onPageError === 'throw') throw error
    const page: PageResult = {
      pageNumber,
      lastPageNumber,
      markdown: failedPagesMarker(error),
      reasoning: '',
      partial: true,
      jobId: cause.jobId ?? '',
      ...(range.totalPages === undefined ? {} : { totalPages: range.totalPages }),
      error,
    }
    return { page, result: undefined }
  } finally {
    rangeCall.operation.end()
  }
}

/** Failures a range may meet again or not: its job failed, or the server could not be reached or answer. */
function isRangeFailure(error: unknown): error is NuMarkdownError {
  return (
    JobFailedError.isInstance(error) || ServerError.isInstance(error) || ConnectionError.isInstance(error)
  )
}

function addUsage(total: Usage | undefined, usage: Usage | undefined): Usage | undefined {
  if (!usage) return total
  const sum: Usage = { ...total }
  for (const key of ['inputTokens', 'outputTokens', 'totalTokens'] as const) {
    if (usage[key] !== undefined) sum[key] = (sum[key] ?? 0) + usage[key]
  }
  return sum
}

/** A range stopped by a sibling that failed (or by an early return), not by the caller. */
function isSiblingAbort(reason: unknown, parent: Operation): boolean {
  return !parent.aborted && NuMarkdownError.isInstance(reason) && reason.code === 'aborted'
}

/** One page range of a split PDF. */
export interface PdfChunk {
  /** From 1, in the original document. */
  firstPage: number
  /** The last page of the range, in the original document. */
  lastPage: number
  bytes: Uint8Array
}

/** A PDF cut into ranges: the chunks, in page order, and the page count of the whole document. */
export interface SplitPdf {
  totalPages: number
  /** The pages the chunks cover, ascending. */
  selectedPages: number[]
  chunks: PdfChunk[]
}

/** How to cut a PDF. */
export interface SplitOptions {
  /** Most pages in one chunk; Infinity puts every selected page in one chunk. */
  pagesPerChunk: number
  /** Only these pages; every page when undefined. */
  selection?: PageSelection | undefined
}

/**
 * Splits a PDF into ranges of at most `pagesPerChunk` consecutive selected pages, each a standalone PDF (a gap
 * in the selection starts a new range, so each range has one first and one last page). Undefined when the bytes
 * are not a PDF pdf-lib can read (encrypted or damaged), so the caller can fall back to one job.
 * @throws {ValidationError} when the selection names pages the document does not have.
 */
export async function splitPdf(bytes: Uint8Array, options: SplitOptions): Promise<SplitPdf | undefined> {
  const { PDFDocument } = await import('pdf-lib')
  let document: PDFDocument
  try {
    document = await PDFDocument.load(bytes, { updateMetadata: false })
  } catch {
    return undefined
  }
  const totalPages = document.getPageCount()
  const selectedPages = selectPages(options.selection, totalPages)
  const groups: number[][] = []
  for (const page of selectedPages) {
    const group = groups.at(-1)
    const follows = group !== undefined && group.at(-1) === page - 1
    if (group && (follows || options.pagesPerChunk === Infinity) && group.length < options.pagesPerChunk) {
      group.push(page)
    } else {
      groups.push([page])
    }
  }
  const chunks: PdfChunk[] = []
  for (const group of groups) {
    const part = await PDFDocument.create({ updateMetadata: false })
    for (const page of await part.copyPages(
      document,
      group.map((pageNumber) => pageNumber - 1),
    )) {
      part.addPage(page)
    }
    chunks.push({ firstPage: group[0]!, lastPage: group.at(-1)!, bytes: await part.save() })
  }
  return { totalPages, selectedPages, chunks }
}
