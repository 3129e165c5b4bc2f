/**
 * One page-by-page conversion's exchange with the service (`--split-pages`, `--pages`): the client cuts the PDF
 * into page ranges and converts them concurrently; the journal record of the document holds the client's
 * resumable handle (its ranges and the job each got), saved as the plan is made and again as each range's job
 * is created, so that a crash resumes the ranges that have a job and submits only the others. Every save is
 * durable before the result is acted on. No line is logged per page: the live view shows the pages done. With
 * `onPageError: 'skip'`, a range that still fails after core's retry of it is marked in the merged markdown,
 * and the pages that failed come back with the result, for the journal record and the log line.
 */
import type { ConversionResult, ConvertInput, PagesHandle, ProgressEvent } from '@numarkdown/core'
import type { OnPageError } from '../../options.js'
import type { FailedPageRecord } from '../journal/file-record.js'
import type { FileRecord } from '../journal/journal.js'
import type { JournalStore } from '../journal/journal-store.js'
import type { PageProgress } from '../run/tracked.js'
import type { DocumentExchange } from './submit-and-wait.js'

export interface PageConversionOptions extends DocumentExchange {
  /** The pages asked for (`--pages`), or `undefined` for every page. */
  pages: string | undefined
  /**
   * `fail`: a page that still fails after its own retry fails the document. `skip`: it is marked in the
   * markdown and listed in the result's `failedPages`.
   */
  onPageError: OnPageError
  /** The handle of a conversion of this document that stopped: its ranges' jobs are collected, not submitted. */
  resume: PagesHandle | undefined
  /** Told of the pages done so far, each time a range ends (the live view shows them). */
  onPages?(progress: PageProgress): void
}

/**
 * What a page-by-page conversion learnt: the handle as it was last saved, and the merged result (with the pages
 * that failed and were skipped, in page order: none unless `onPageError` is `skip`) or the error.
 */
export type WaitedPages =
  | {
      attempts: number
      handle: PagesHandle | undefined
      result: ConversionResult
      failedPages: FailedPageRecord[]
    }
  | { attempts: number; handle: PagesHandle | undefined; error: unknown }

/** Convert page by page (or resume) and merge the pages in order. Never rejects. */
export async function convertPagesAndWait(options: PageConversionOptions): Promise<WaitedPages> {
  const { client, display, path, record, signal } = options
  const attempts = options.attempts + 1
  const saves = new RecordSaves(options.journal)
  let handle = options.resume
  const progress: PageProgress = { done: 0, total: 0 }
  const save = () => {
    if (handle) {
      saves.save({
        ...record,
        status: 'submitted',
        pages: structuredClone(handle),
        attempts,
        updatedAt: new Date().toISOString(),
      })
    }
  }
  const onProgress = (event: ProgressEvent) => {
    if (event.type === 'pages-total') {
      // The plan; ranges resumed from a handle keep their jobs.
      handle = structuredClone(event.handle)
      progress.total = handle.ranges.reduce(
        (pages, range) => pages + range.lastPageNumber - range.pageNumber + 1,
        0,
      )
      save()
      options.onPages?.({ ...progress })
      const withJob = handle.ranges.filter((range) => range.jobId).length
      display.log('info', options.resume ? 'resuming page by page' : 'converting page by page', {
        path,
        pages: progress.total,
        ranges: event.ranges,
        ...(options.resume ? { rangesWithJob: withJob } : {}),
      })
    } else if (event.type === 'submitted' && event.pageNumber !== undefined && handle) {
      const range = handle.ranges.find((candidate) => candidate.pageNumber === event.pageNumber)
      if (range && range.jobId !== event.jobId) {
        range.jobId = event.jobId
        save()
      }
    } else if (event.type === 'page-done') {
      progress.done = Math.min(progress.total, progress.done + event.lastPageNumber - event.pageNumber + 1)
      options.onPages?.({ ...progress })
    }
  }
  try {
    const input = await inMemory(await options.source.input())
    const selection = options.resume
      ? { resume: options.resume }
      : options.pages
        ? { pages: options.pages }
        : {}
    const result = await client.convert(input, {
      splitPages: true,
      ...selection,
      ...(options.onPageError === 'skip' ? { onPageError: 'skip' as const } : {}),
      signal,
      // A shutdown is not a cancellation: the jobs stay, and the handle saved so far resumes them.
      cancelOnAbort: false,
      onProgress,
    })
    // Durable before the result is acted on: the outputs and the `done` record come after this.
    await saves.settled()
    for (const warning of result.warnings ?? []) display.log('warn', warning, { path })
    return { attempts, handle, result, failedPages: failedPageRecords(result) }
  } catch (error) {
    // The handle saved so far is what a retry, or the next start, resumes from.
    await saves.settled().catch(() => {})
    return { attempts, handle, error }
  }
}

/** The ranges core skipped, as the journal keeps them: plain JSON, each with why it failed. */
function failedPageRecords(result: ConversionResult): FailedPageRecord[] {
  return (result.failedPages ?? []).map(({ pageNumber, lastPageNumber, error }) => ({
    pageNumber,
    lastPageNumber,
    // Why its last attempt failed; the pages are in the record already.
    message: error.cause instanceof Error ? error.cause.message : error.message,
    ...(error.code === undefined ? {} : { code: error.code }),
    ...(error.jobId === undefined ? {} : { jobId: error.jobId }),
  }))
}

/**
 * The document as bytes: the open file that was checked is a Blob-like reading its handle, which the client
 * would treat as a stream (a path would be read again, not the file that was checked). The client holds the
 * whole PDF to cut it anyway; reading it here costs no more memory.
 */
async function inMemory(input: ConvertInput): Promise<ConvertInput> {
  if (typeof input !== 'object' || !('data' in input) || input.data instanceof Uint8Array) return input
  // The open file is a Blob-like (its reads are of the open handle), not necessarily a Blob instance.
  const data = input.data as Partial<Blob>
  if (typeof data.arrayBuffer !== 'function') return input
  return { ...input, data: new Uint8Array(await data.arrayBuffer()) }
}

/**
 * The record's saves, one at a time and only the newest: a range's job created while the previous save is on
 * its way is in the next one, so a document of many pages costs a save per commit of the journal, not one per
 * page. The first failure is kept for {@link RecordSaves.settled}.
 */
class RecordSaves {
  readonly #journal: JournalStore
  #next: FileRecord | undefined
  #running: Promise<void> | undefined
  #failure: { error: unknown } | undefined

  constructor(journal: JournalStore) {
    this.#journal = journal
  }

  save(record: FileRecord): void {
    this.#next = record
    this.#running ??= this.#drain()
  }

  async #drain(): Promise<void> {
    while (this.#next) {
      const record = this.#next
      this.#next = undefined
      try {
        await this.#journal.set(record)
      } catch (error) {
        this.#failure ??= { error }
      }
    }
    this.#running = undefined
  }

  /** Resolves once every record saved so far is durable; rejects with the first save that failed. */
  async settled(): Promise<void> {
    await this.#running
    if (this.#failure) throw this.#failure.error
  }
}
