/**
 * `splitPages`: a PDF cut into page ranges, one job per range under the client's shared limit, the results
 * merged back in page order.
 */
import { readFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import type { PDFDocument } from 'pdf-lib'
import { NuMarkdownError } from '../errors.js'
import type { ConversionResult, PageResult, Usage } from '../types.js'
import type { Call } from './call.js'
import { type ConversionRequest, convertUpload } from './convert-upload.js'
import { prepareUpload, type UploadSource } from './input.js'
import { Operation } from './operation.js'

/** One page range of a split PDF. */
export interface PdfChunk {
  /** From 1. */
  firstPage: number
  lastPage: number
  bytes: Uint8Array
}

/**
 * Splits a PDF into ranges of `pagesPerChunk` pages, each a standalone PDF. Undefined when the bytes are not a
 * PDF pdf-lib can read (encrypted or damaged), so the caller can fall back to one job.
 */
export async function splitPdf(bytes: Uint8Array, pagesPerChunk: number): Promise<PdfChunk[] | undefined> {
  // Loaded here, on the first split: pdf-lib is 150-odd modules that importing the client must not pay for.
  const { PDFDocument } = await import('pdf-lib')
  let document: PDFDocument
  try {
    document = await PDFDocument.load(bytes, { updateMetadata: false })
  } catch {
    return undefined
  }
  const pageCount = document.getPageCount()
  const chunks: PdfChunk[] = []
  for (let first = 0; first < pageCount; first += pagesPerChunk) {
    const last = Math.min(pageCount, first + pagesPerChunk) - 1
    const part = await PDFDocument.create({ updateMetadata: false })
    const indices = Array.from({ length: last - first + 1 }, (_, index) => first + index)
    for (const page of await part.copyPages(document, indices)) part.addPage(page)
    chunks.push({ firstPage: first + 1, lastPage: last + 1, bytes: await part.save() })
  }
  return chunks
}

/** A conversion split into page ranges of `pagesPerChunk` pages. */
export interface PagedConversionRequest extends ConversionRequest {
  pagesPerChunk: number
}

/** Converts one job per page range under the shared limit and merges the results in page order. */
export async function convertPages(
  call: Call,
  source: UploadSource,
  request: PagedConversionRequest,
): Promise<ConversionResult> {
  const { operation } = call
  const single = async (warning: string) => {
    const result = await convertUpload(call, source, request)
    return { ...result, warnings: [...(result.warnings ?? []), warning] }
  }
  if (source.contentType !== 'application/pdf') {
    return single(
      `splitPages applies to PDF only; ${source.filename} (${source.contentType}) was converted as one job`,
    )
  }
  const bytes = source.bytes ?? (source.path ? await readFile(source.path) : undefined)
  const chunks = bytes ? await splitPdf(bytes, request.pagesPerChunk) : undefined
  if (!chunks || chunks.length === 0) {
    return single(
      `splitPages: ${source.filename} could not be split (encrypted or damaged PDF); converted as one job`,
    )
  }
  // One failed range stops the others (and cancels their jobs).
  const siblings = new AbortController()
  const stem = basename(source.filename, extname(source.filename)) || 'document'
  const results = await Promise.allSettled(
    chunks.map(async (chunk) => {
      const chunkCall = call.under(new Operation({ signal: siblings.signal, parent: operation }))
      try {
        const chunkSource = await prepareUpload(chunk.bytes, {
          filename: `${stem}-p${chunk.firstPage}${chunk.lastPage === chunk.firstPage ? '' : `-${chunk.lastPage}`}.pdf`,
          contentType: 'application/pdf',
          spoolStreams: false,
        })
        const result = await convertUpload(chunkCall, chunkSource, request)
        return { chunk, result }
      } catch (error) {
        if (!siblings.signal.aborted) siblings.abort()
        throw error
      } finally {
        chunkCall.operation.end()
      }
    }),
  )
  const rejected = results.filter(
    (outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected',
  )
  if (rejected.length > 0) {
    // The range that failed first, not the siblings it stopped.
    throw (rejected.find((outcome) => !isSiblingAbort(outcome.reason, operation)) ?? rejected[0]!).reason
  }
  const done = results.map(
    (outcome) =>
      (outcome as PromiseFulfilledResult<{ chunk: (typeof chunks)[number]; result: ConversionResult }>).value,
  )
  const pages: PageResult[] = done.map(({ chunk, result }) => ({
    pageNumber: chunk.firstPage,
    lastPageNumber: chunk.lastPage,
    markdown: result.markdown,
    reasoning: result.reasoning,
    partial: result.partial,
    jobId: result.jobId,
  }))
  const first = done[0]!.result
  let usage: Usage | undefined
  for (const { result } of done) usage = addUsage(usage, result.usage)
  const merged: ConversionResult = {
    markdown: pages.map((page) => page.markdown).join('\n\n'),
    reasoning: pages.map((page) => page.reasoning).join('\n\n'),
    partial: done.some(({ result }) => result.partial),
    recovered: done.some(({ result }) => result.recovered),
    jobId: first.jobId,
    job: first.job,
    pages,
  }
  if (usage) merged.usage = usage
  return merged
}

function addUsage(total: Usage | undefined, usage: Usage | undefined): Usage | undefined {
  if (!usage) return total
  const sum: Usage = { ...total }
  for (const key of ['inputTokens', 'outputTokens', 'totalTokens'] as const) {
    if (usage[key] !== undefined) sum[key] = (sum[key] ?? 0) + usage[key]
  }
  return sum
}

function isSiblingAbort(reason: unknown, parent: Operation): boolean {
  return !parent.aborted && NuMarkdownError.isInstance(reason) && reason.code === 'aborted'
}
