/**
 * `splitPages` and `convertPages()`: a PDF cut into page ranges, one job per range under the client's shared
 * limit, each range delivered in page order as soon as it and every range before it are done. A range is cut
 * only when it is about to be submitted, and only a window of ranges runs ahead of the one being delivered, so
 * a 500-page document holds the ranges in flight, not its whole markdown. A range that fails is retried on its
 * own, never the whole document; one that still fails stops the conversion (`PageRangeError`) or is skipped
 * with a marker, as the caller chose. Every range's job is recorded in the plan as it is created, which is the
 * resumable handle: a resumed conversion waits for those jobs and submits only the ranges that had none.
 * pdf-lib, which cuts the PDF, is loaded on the first split only: it is 150-odd modules that importing the
 * client must not pay for.
 */
import { readFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import type { PDFDocument } from 'pdf-lib'
import {
  ConnectionError,
  JobFailedError,
  NotFoundError,
  NuMarkdownError,
  PageRangeError,
  ServerError,
  ValidationError,
} from '../errors.js'
import type { ConversionResult, PageErrorPolicy, PageResult, PagesHandle, Usage } from '../types.js'
import type { Call } from './call.js'
import { type ConversionRequest, convertUpload } from './convert-upload.js'
import { prepareUpload, type UploadSource } from './input.js'
import { Operation } from './operation.js'
import { type PageSelection, selectPages } from './page-selection.js'
import { checkSameDocument, type DocumentIdentity, documentIdentity } from './pages-handle.js'
import { waitForJob } from './waiter.js'

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

/** One range of a plan. `jobId` is filled in as soon as the range's job exists (the handle reads it). */
export interface PlannedRange {
  pageNumber: number
  lastPageNumber: number
  /** The pages it holds, ascending (consecutive, except for one range of a selection sent whole). */
  pages: readonly number[]
  jobId?: string
}

/**
 * How a document will be converted: the ranges of a PDF, or one range covering a document that cannot be cut
 * (not a PDF, or one pdf-lib cannot read; `totalPages` undefined, with the warning that says so).
 */
export interface PagePlan {
  filename: string
  identity: DocumentIdentity
  totalPages: number | undefined
  /** How many pages the ranges cover; undefined with `totalPages`. */
  selectedPages: number | undefined
  ranges: PlannedRange[]
  warning: string | undefined
  /**
   * The upload of one range, cut from the PDF when it is about to be sent, so that a long document never holds
   * more than the ranges in flight; `filename` replaces the range's own name (`report-p3-5.pdf`). Undefined
   * when there is no document to cut (`wait(handle)`).
   */
  upload: ((range: PlannedRange, filename?: string) => Promise<UploadSource>) | undefined
}

/** One range as it was delivered: its page entry, and the full result of its job (none for a skipped range). */
export interface PageOutcome {
  page: PageResult
  result: ConversionResult | undefined
}

/**
 * Reads `source` and plans its ranges; nothing is cut yet.
 * @throws {ValidationError} when pages were selected in a document that cannot be cut into pages, or pages
 * past its end.
 */
export async function planPages(source: UploadSource, cut: PageCut): Promise<PagePlan> {
  const readable = await readPdf(source)
  if (readable.kind === 'whole') {
    if (cut.selection) {
      throw new ValidationError(
        `pages ${cut.selection.text}: ${readable.why}, so its pages cannot be chosen; leave pages out to convert it whole`,
        { parameter: 'pages' },
      )
    }
    return wholePlan(source, readable.identity, readable.warning)
  }
  const { document, identity } = readable
  const totalPages = document.getPageCount()
  const selectedPages = selectPages(cut.selection, totalPages)
  const groups: number[][] = []
  for (const page of selectedPages) {
    const group = groups.at(-1)
    const follows = group !== undefined && group.at(-1) === page - 1
    if (group && (follows || cut.pagesPerChunk === Infinity) && group.length < cut.pagesPerChunk) {
      group.push(page)
    } else {
      groups.push([page])
    }
  }
  const ranges = groups.map((pages) => ({ pageNumber: pages[0]!, lastPageNumber: pages.at(-1)!, pages }))
  return pdfPlan(source, { document, identity, totalPages, ranges })
}

/**
 * Plans the ranges of `handle` for `source`, the document it was made for; each range keeps its job.
 * @throws {ValidationError} when `source` is another document than the handle's.
 */
export async function planResume(source: UploadSource, handle: PagesHandle): Promise<PagePlan> {
  const readable = await readPdf(source)
  checkSameDocument(handle, source.filename, readable.identity)
  const ranges = plannedRanges(handle)
  if (readable.kind === 'whole' || handle.totalPages === undefined) {
    if (handle.totalPages !== undefined) {
      // Pages of this very document were converted before: converting it whole now would lose them.
      throw new ValidationError(
        `resume: ${readable.kind === 'whole' ? readable.why : source.filename}, but the handle holds its pages; resume with the document as a path, bytes or a Blob`,
        { parameter: 'resume' },
      )
    }
    const warning = readable.kind === 'whole' ? readable.warning : undefined
    return { ...wholePlan(source, readable.identity, warning), ranges: ranges.slice(0, 1) }
  }
  return pdfPlan(source, {
    document: readable.document,
    identity: readable.identity,
    totalPages: readable.document.getPageCount(),
    ranges,
  })
}

/** The plan of `handle` alone, for waiting on its jobs: no document, so a range without a usable job fails. */
export function planWait(handle: PagesHandle): PagePlan {
  const ranges = plannedRanges(handle)
  const missing = ranges.find((range) => range.jobId === undefined)
  if (missing) {
    throw new ValidationError(
      `wait: ${pagesOf(missing)} of ${handle.filename} never got a job; resume with convertPages(document, { resume: handle }) to submit it`,
      { parameter: 'handle' },
    )
  }
  return {
    filename: handle.filename,
    identity: handle.document,
    totalPages: handle.totalPages,
    selectedPages:
      handle.totalPages === undefined
        ? undefined
        : ranges.reduce((count, range) => count + range.pages.length, 0),
    ranges,
    warning: undefined,
    upload: undefined,
  }
}

/** The ranges of `handle`, each with its pages and the job it had. */
function plannedRanges(handle: PagesHandle): PlannedRange[] {
  return handle.ranges.map(({ pageNumber, lastPageNumber, jobId }) => ({
    pageNumber,
    lastPageNumber,
    pages: pageSpan(pageNumber, lastPageNumber),
    ...(jobId === undefined ? {} : { jobId }),
  }))
}

/** The handle of `plan` as it stands: plain JSON, a copy. */
export function handleOf(plan: PagePlan): PagesHandle {
  return {
    type: 'numarkdown.pages',
    version: 1,
    filename: plan.filename,
    document: { sha256: plan.identity.sha256, size: plan.identity.size },
    ...(plan.totalPages === undefined ? {} : { totalPages: plan.totalPages }),
    ranges: plan.ranges.map(({ pageNumber, lastPageNumber, jobId }) =>
      jobId === undefined ? { pageNumber, lastPageNumber } : { pageNumber, lastPageNumber, jobId },
    ),
  }
}

/**
 * Converts each range of `plan` and yields them in page order, each as soon as it and every range before it
 * are done. Ranges start in page order, at most a window ahead of the range being delivered, so memory follows
 * the ranges in flight, not the document. Returning early (a `break`) or an abort cancels every range still
 * running, remote jobs included; so does a range that fails with `onPageError: 'throw'`, whose
 * `PageRangeError` is thrown at once.
 */
export async function* streamPages(
  call: Call,
  plan: PagePlan,
  request: PagedConversionRequest,
): AsyncGenerator<PageOutcome, void, undefined> {
  const { operation } = call
  const { ranges } = plan
  call.emit({
    type: 'pages-total',
    filename: plan.filename,
    ranges: ranges.length,
    ...(plan.totalPages === undefined
      ? {}
      : { totalPages: plan.totalPages, selectedPages: plan.selectedPages! }),
    handle: handleOf(plan),
  })
  // A range that fails for good, an early return or the end of the call stops the ranges still running.
  const siblings = new AbortController()
  // The first range to fail for good, whatever its place: the conversion fails at once, not when its turn comes.
  // Each wait gets its own way to be interrupted: a racing promise shared by every wait would keep a reaction,
  // and with it every delivered page, alive until the end of the document.
  let failure: { error: unknown } | undefined
  let interrupt: ((error: unknown) => void) | undefined
  const window = Math.max(minimumWindow, 2 * call.client.options.concurrency)
  const tasks: Array<Promise<PageOutcome> | undefined> = []
  const running = new Set<Promise<unknown>>()
  const start = (index: number) => {
    const task = convertRange(call, plan, ranges[index]!, { ...request, siblings: siblings.signal })
    const settled = task.then(
      () => {},
      (error: unknown) => {
        if (failure || isSiblingAbort(error, operation)) return
        failure = { error }
        interrupt?.(error)
      },
    )
    running.add(settled)
    void settled.then(() => running.delete(settled))
    tasks[index] = task
  }
  let started = 0
  try {
    for (let index = 0; index < ranges.length; index++) {
      while (started < ranges.length && started < index + window) start(started++)
      const task = tasks[index]!
      // Delivered below: the range's result is the caller's from then on.
      tasks[index] = undefined
      if (failure) throw failure.error
      const outcome = await new Promise<PageOutcome>((resolve, reject) => {
        interrupt = reject
        task.then(resolve, reject)
      })
      interrupt = undefined
      yield outcome
    }
  } finally {
    siblings.abort()
    await Promise.allSettled(running)
  }
}

/**
 * Converts `plan` and merges its ranges in page order, the markdown with a blank line between ranges and the
 * token counts summed. The job is the first range's.
 */
export async function convertSplitPages(
  call: Call,
  plan: PagePlan,
  request: PagedConversionRequest,
): Promise<ConversionResult> {
  const outcomes: PageOutcome[] = []
  for await (const outcome of streamPages(call, plan, request)) outcomes.push(outcome)
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
  if (plan.totalPages === undefined) {
    // A document converted whole: its one job's result, as a conversion without splitPages gives it.
    return {
      ...first,
      warnings: [...(first.warnings ?? []), ...(plan.warning === undefined ? [] : [plan.warning])],
    }
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

/**
 * Converts one range under its own operation (which its siblings may stop). A range resumed with a job waits
 * for it; one without a job (or whose job the server lost or failed) is cut and submitted, and retried on its
 * own once when its job failed or the server could not be reached. Resolves with its page entry; rejects with
 * a `PageRangeError` for a range that failed for good (unless skipped), or with the abort that stopped it.
 */
async function convertRange(
  call: Call,
  plan: PagePlan,
  range: PlannedRange,
  request: PagedConversionRequest & { siblings: AbortSignal },
): Promise<PageOutcome> {
  const { filename } = plan
  const { pageNumber, lastPageNumber } = range
  const rangeCall = call.under(new Operation({ signal: request.siblings, parent: call.operation }), {
    pageNumber,
    lastPageNumber,
    onJob: (jobId) => {
      range.jobId = jobId
    },
  })
  const pagesText = pagesOf(range)
  const totalPages = plan.totalPages === undefined ? {} : { totalPages: plan.totalPages }
  try {
    let lastError: unknown
    let result: ConversionResult | undefined
    const resumedJob = range.jobId
    if (resumedJob !== undefined) {
      try {
        result = await call.client.queue.run(rangeCall.operation, () =>
          waitForJob(rangeCall, resumedJob, {
            strategy: request.strategy,
            cancelOnAbort: request.cancelOnAbort ?? true,
          }),
        )
      } catch (error) {
        if (rangeCall.operation.aborted || !(isRangeFailure(error) || NotFoundError.isInstance(error))) {
          throw error
        }
        lastError = error
        if (plan.upload) {
          call.client.logger.info(
            `numarkdown: the job of ${pagesText} of ${filename} is gone or failed; converting it again`,
            { filename, pageNumber, lastPageNumber, jobId: resumedJob, error: error.message },
          )
        }
      }
    }
    if (!result && plan.upload) {
      const source = await plan.upload(range)
      for (let attempt = 1; attempt <= rangeAttempts && !result; attempt++) {
        try {
          result = await convertUpload(rangeCall, source, request)
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
    }
    if (result) {
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
        recovered: result.recovered,
        jobId: result.jobId,
        ...totalPages,
        ...(result.usage === undefined ? {} : { usage: result.usage }),
        ...(plan.warning === undefined ? {} : { warnings: [plan.warning] }),
      }
      return { page, result }
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
      recovered: false,
      jobId: cause.jobId ?? '',
      ...totalPages,
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

/** Ranges started ahead of the one being delivered, at least; twice the client's concurrency when larger. */
const minimumWindow = 8

/** `pages 3-5` or `page 3`. */
function pagesOf(range: { pageNumber: number; lastPageNumber: number }): string {
  return range.lastPageNumber === range.pageNumber
    ? `page ${range.pageNumber}`
    : `pages ${range.pageNumber}-${range.lastPageNumber}`
}

function pageSpan(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, index) => first + index)
}

/** A document as read for splitting: a PDF pdf-lib loaded, or one to convert whole, and why. */
type ReadDocument =
  | { kind: 'pdf'; document: PDFDocument; identity: DocumentIdentity }
  | { kind: 'whole'; identity: DocumentIdentity; why: string; warning: string }

/** Reads `source` once: its identity, and the PDF when it is one pdf-lib can read (not encrypted or damaged). */
async function readPdf(source: UploadSource): Promise<ReadDocument> {
  if (source.contentType !== 'application/pdf') {
    return {
      kind: 'whole',
      identity: await documentIdentity(source),
      why: `${source.filename} is ${source.contentType}, not a PDF`,
      warning: `splitPages applies to PDF only; ${source.filename} (${source.contentType}) was converted as one job`,
    }
  }
  // pdf-lib needs the whole PDF: from memory, the file, or one read of a Blob or spooled stream.
  const bytes =
    source.bytes ??
    (source.path ? await readFile(source.path) : source.reReadable ? await readAll(source) : undefined)
  const identity = await documentIdentity(source, bytes)
  const unreadable = {
    kind: 'whole',
    identity,
    why: `${source.filename} could not be read as a PDF (encrypted or damaged)`,
    warning: `splitPages: ${source.filename} could not be split (encrypted or damaged PDF); converted as one job`,
  } as const
  if (!bytes) return unreadable
  const { PDFDocument } = await import('pdf-lib')
  try {
    const document = await PDFDocument.load(bytes, { updateMetadata: false })
    return document.getPageCount() > 0 ? { kind: 'pdf', document, identity } : unreadable
  } catch {
    return unreadable
  }
}

async function readAll(source: UploadSource): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of source.open()) parts.push(part)
  return Buffer.concat(parts)
}

/** One range covering `source` whole, uploaded as it is. */
function wholePlan(source: UploadSource, identity: DocumentIdentity, warning: string | undefined): PagePlan {
  return {
    filename: source.filename,
    identity,
    totalPages: undefined,
    selectedPages: undefined,
    ranges: [{ pageNumber: 1, lastPageNumber: 1, pages: [1] }],
    warning,
    upload: async () => source,
  }
}

/** The ranges of a loaded PDF, each cut into a standalone PDF of its pages when its upload is asked for. */
function pdfPlan(
  source: UploadSource,
  {
    document,
    identity,
    totalPages,
    ranges,
  }: { document: PDFDocument; identity: DocumentIdentity; totalPages: number; ranges: PlannedRange[] },
): PagePlan {
  const past = ranges.find((range) => range.lastPageNumber > totalPages)
  if (past) {
    throw new ValidationError(
      `resume: ${pagesOf(past)} of ${source.filename} are past its end: the document has ${totalPages} page${totalPages === 1 ? '' : 's'}`,
      { parameter: 'resume' },
    )
  }
  const stem = basename(source.filename, extname(source.filename)) || 'document'
  return {
    filename: source.filename,
    identity,
    totalPages,
    selectedPages: ranges.reduce((count, range) => count + range.pages.length, 0),
    ranges,
    warning: undefined,
    upload: async (range, filename) =>
      prepareUpload(await cutPdf(document, range.pages), {
        filename:
          filename ??
          `${stem}-p${range.pageNumber}${range.lastPageNumber === range.pageNumber ? '' : `-${range.lastPageNumber}`}.pdf`,
        contentType: 'application/pdf',
        spoolStreams: false,
      }),
  }
}

/** A standalone PDF of `pages` (from 1) of `document`. */
export async function cutPdf(document: PDFDocument, pages: readonly number[]): Promise<Uint8Array> {
  const { PDFDocument } = await import('pdf-lib')
  const part = await PDFDocument.create({ updateMetadata: false })
  for (const page of await part.copyPages(
    document,
    pages.map((pageNumber) => pageNumber - 1),
  )) {
    part.addPage(page)
  }
  return part.save()
}
