import { readFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { NuMarkdownError } from '../errors.js'
import type { ConversionResult, PageResult, ProgressListener, Usage, WaitStrategy } from '../types.js'
import type { ClientContext } from './client-context.js'
import { convertUpload } from './convert-upload.js'
import { prepareUpload, type UploadSource } from './input.js'
import { Operation } from './operation.js'
import { splitPdf } from './split-pdf.js'

/** `splitPages`: one job per page range under the shared limit, merged in page order. */
export async function convertPages(
  context: ClientContext,
  source: UploadSource,
  query: Record<string, string>,
  pagesPerChunk: number,
  strategy: WaitStrategy,
  operation: Operation,
  onProgress: ProgressListener | undefined,
): Promise<ConversionResult> {
  const single = async (warning: string) => {
    const result = await convertUpload(context, source, query, strategy, operation, onProgress)
    return { ...result, warnings: [...(result.warnings ?? []), warning] }
  }
  if (source.contentType !== 'application/pdf') {
    return single(
      `splitPages applies to PDF only; ${source.filename} (${source.contentType}) was converted as one job`,
    )
  }
  const bytes = source.bytes ?? (source.path ? await readFile(source.path) : undefined)
  const chunks = bytes ? await splitPdf(bytes, pagesPerChunk) : undefined
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
      const chunkOperation = new Operation(siblings.signal, 0, operation)
      try {
        const chunkSource = await prepareUpload(chunk.bytes, {
          filename: `${stem}-p${chunk.firstPage}${chunk.lastPage === chunk.firstPage ? '' : `-${chunk.lastPage}`}.pdf`,
          contentType: 'application/pdf',
          spoolStreams: false,
        })
        const result = await convertUpload(context, chunkSource, query, strategy, chunkOperation, onProgress)
        return { chunk, result }
      } catch (error) {
        if (!siblings.signal.aborted) siblings.abort()
        throw error
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
