/**
 * The public types of @numarkdown/core. The client (`NuMarkdownClient`, `createClient`) and the errors
 * (`NuMarkdownError` and its subclasses) live in their own files; the types of the wire contract (the job, the
 * conversion parameters, token counts) are those of @numarkdown/protocol, re-exported here.
 */
import type { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import type { ConversionParams, Job, MarkdownResult, Usage } from '@numarkdown/protocol'
import type { PageRangeError } from './errors.js'

export type { ConversionParams, Job, Usage } from '@numarkdown/protocol'

/** Bytes of a document in any form the client accepts. */
export type DocumentData =
  | string
  | URL
  | Uint8Array
  | Blob
  | Readable
  | WebReadableStream<Uint8Array>
  | ReadableStream<Uint8Array>

/**
 * A document to convert: a file path (string or `file:` URL), bytes, a Blob/File, a Node Readable, a Web
 * ReadableStream, or any of those with an explicit filename and content type. When not given, the filename
 * comes from the path (or the File's name) and the content type from the extension, then from magic bytes.
 */
export type ConvertInput = DocumentData | { data: DocumentData; filename?: string; contentType?: string }

/** A leveled logger; pino, console and most loggers fit. Silent by default. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

/** How to wait for a job. `auto` uses SSE and falls back to polling when the stream is unavailable. */
export type WaitStrategy = 'sse' | 'poll' | 'auto'

/**
 * Which pages of a PDF to convert: a string of pages and ranges separated by commas, an open range running to
 * the last page (`'1-3,7,10-'`), or an array of page numbers from 1 (`[1, 2, 3, 7]`).
 */
export type PageSpec = string | readonly number[]

/**
 * What a split conversion does with a page range that still fails after its retry: `throw` a `PageRangeError`
 * (the other ranges are cancelled), or `skip` it: the result lists it in `failedPages` and its place in the
 * markdown holds a marker.
 */
export type PageErrorPolicy = 'throw' | 'skip'

/**
 * One page (or page range, with `pagesPerChunk` > 1) of a `splitPages` conversion or of `convertPages()`. A
 * document that is not a PDF is one entry covering the whole document, page 1, with a warning.
 */
export interface PageResult {
  /** From 1. */
  pageNumber: number
  /** The last page of the range this entry covers; equal to `pageNumber` with one page per chunk. */
  lastPageNumber: number
  /** The markdown of this range. */
  markdown: string
  /** The model's reasoning for this range. */
  reasoning: string
  /** True when this range's result was partial. */
  partial: boolean
  /** True when this range's markdown was recovered from malformed model output. */
  recovered: boolean
  /** The job that converted this range; for a skipped range, its last job ('' when none was created). */
  jobId: string
  /** Pages of the whole document; undefined for a document that is not a PDF. */
  totalPages?: number
  /** Token counts of this range, when the server told. */
  usage?: Usage
  /** `onPageError: 'skip'` only: why this range has no markdown (its `markdown` is the marker). */
  error?: PageRangeError
  /** Things the caller should know, e.g. that a document that is not a PDF was converted whole. */
  warnings?: string[]
}

/**
 * What a split conversion needs to go on after a restart, as plain JSON: the document it belongs to, its page
 * ranges and the job each range got so far. `convertPages()` exposes it as `handle`, and every `pages-total`
 * event carries it; persist it (e.g. on each `submitted` event, which names the range's pages) and give it back
 * as `convertPages(input, { resume })` or `wait(handle)`.
 */
export interface PagesHandle {
  type: 'numarkdown.pages'
  version: 1
  /** The document's name, as uploaded. */
  filename: string
  /** The document's identity: a resume with other bytes is refused. */
  document: { sha256: string; size: number }
  /** Pages of the whole document; absent for a document that is not a PDF (one range, converted whole). */
  totalPages?: number
  /** In page order; `jobId` once the range's job exists. */
  ranges: PagesHandleRange[]
}

/** One range of a {@link PagesHandle}. */
export interface PagesHandleRange {
  /** From 1. */
  pageNumber: number
  lastPageNumber: number
  /** The range's job, once submitted. */
  jobId?: string
}

/**
 * What `client.convertPages()` returns: the pages as an async iterable, and the conversion's resumable
 * {@link PagesHandle} (undefined until the document is read and planned).
 */
export interface PageStream extends AsyncIterableIterator<PageResult> {
  /** A snapshot of the conversion's ranges and their jobs, plain JSON, each time it is read. */
  readonly handle: PagesHandle | undefined
}

/** A page range that failed and was skipped (`onPageError: 'skip'`). */
export interface FailedPages {
  /** From 1. */
  pageNumber: number
  lastPageNumber: number
  error: PageRangeError
}

/**
 * The outcome of a finished conversion: the job's result as @numarkdown/protocol reads it (`markdown`,
 * `reasoning`, `partial`, `recovered`, `rawResponse`, `usage`), and the job. For `splitPages`, `markdown` is the
 * ranges merged in page order with a blank line between them and `usage` their sum.
 */
export interface ConversionResult extends MarkdownResult {
  /** The job (the first range's, for `splitPages`). */
  jobId: string
  /** The finished job as the server returned it. */
  job: Job
  /** Present for `splitPages` conversions, in page order. */
  pages?: PageResult[]
  /**
   * `onPageError: 'skip'` only: the ranges that failed, in page order, each marked in `markdown` where its
   * pages would have been (`partial` is then true); absent when none did.
   */
  failedPages?: FailedPages[]
  /** Things the caller should know, e.g. that `splitPages` was ignored for a document that is not a PDF. */
  warnings?: string[]
}

/** What `client.submit()` returns: plain JSON, safe to persist and hand to `client.wait(jobId)` later. */
export interface SubmitResult {
  jobId: string
  /** The filename sent with the upload. */
  filename: string
  /** The content type sent with the upload. */
  contentType: string
  /** Bytes uploaded. */
  size: number
  /** Hex SHA-256 of the uploaded bytes. */
  sha256: string
  /** True when the job was found on the server after an ambiguous failure instead of being confirmed by it. */
  adopted: boolean
}

/** What `client.cancel()` returns. */
export interface CancelResult {
  /** The server accepted the cancellation. */
  cancelled: boolean
  /** False when the server does not offer cancellation (404/405 from an older API). */
  supported: boolean
}

/** Progress events, per call (`onProgress`) and per client (`client.on`). */
export type ProgressEvent =
  | { type: 'upload'; filename: string; bytesSent: number; totalBytes?: number; elapsedMs: number }
  /** A job was created; for a range of a split conversion, `pageNumber`/`lastPageNumber` name its pages. */
  | {
      type: 'submitted'
      jobId: string
      filename: string
      pageNumber?: number
      lastPageNumber?: number
      elapsedMs: number
    }
  | { type: 'status'; jobId: string; status: string; elapsedMs: number }
  | {
      type: 'retry'
      operation: 'submit' | 'getJob' | 'wait' | 'list' | 'cancel'
      attempt: number
      delayMs: number
      error: Error
      jobId?: string
      elapsedMs: number
    }
  /** After an ambiguous submit failure, the job the server did create was found and taken over. */
  | { type: 'adopted'; jobId: string; filename: string; elapsedMs: number }
  /**
   * `convert()` only: the server no longer knows `jobId`, a job this call created (404 while waiting, e.g. a
   * self-hosted server that restarted). The document is submitted again, once; a `submitted` event with the
   * new job follows. `error` is the `NotFoundError` that told.
   */
  | { type: 'resubmit'; jobId: string; filename: string; error: Error; elapsedMs: number }
  | { type: 'done'; jobId: string; partial: boolean; elapsedMs: number }
  /**
   * A split conversion knows its ranges: `totalPages` of the document and the `selectedPages` converted (both
   * absent for a document that is not a PDF, converted as one range), and the resumable `handle` (ranges
   * resumed from a handle keep their jobs).
   */
  | {
      type: 'pages-total'
      filename: string
      ranges: number
      totalPages?: number
      selectedPages?: number
      handle: PagesHandle
      elapsedMs: number
    }
  /** One range of a split conversion finished (in any order): `converted`, or `failed` after its retry. */
  | {
      type: 'page-done'
      pageNumber: number
      lastPageNumber: number
      outcome: 'converted' | 'failed'
      jobId?: string
      elapsedMs: number
    }
  | { type: 'failed'; jobId?: string; error: Error; elapsedMs: number }

/** A progress listener. */
export type ProgressListener = (event: ProgressEvent) => void

/** Options of `new NuMarkdownClient(options)` / `createClient(options)`. */
export interface ClientOptions {
  /** The API token. @default process.env.NUMIND_API_KEY */
  apiKey?: string
  /** @default process.env.NUMARKDOWN_BASE_URL ?? 'https://nuextract.ai' */
  baseUrl?: string | URL
  /** Conversions in flight at once, shared by every caller of this client. @default 4 */
  concurrency?: number
  /**
   * Retries of one request after the first attempt. While waiting for a job, failures to reach the server are
   * retried until the deadline instead. @default 4
   */
  maxRetries?: number
  /** Overall deadline of one `convert()` or `wait()` in milliseconds; 0 means none. @default 600000 */
  timeoutMs?: number
  /** Allow plain `http://` to a host other than loopback. @default false */
  allowInsecureHttp?: boolean
  /** How `wait()` waits by default. @default 'auto' */
  waitStrategy?: WaitStrategy
  /** The server's SSE ping interval; a stream silent for twice this long counts as dropped. @default 30000 */
  pingIntervalMs?: number
  /** First and largest polling interval in milliseconds. @default { initialMs: 250, maxMs: 5000 } */
  pollInterval?: { initialMs?: number; maxMs?: number }
  /** @default a silent logger */
  logger?: Logger
  /**
   * Base and cap of the exponential backoff between retries (full jitter). Mostly useful to make tests fast.
   * @default { baseMs: 500, maxMs: 30000 }
   */
  retryDelay?: { baseMs?: number; maxMs?: number }
  /** How long one request may wait for response headers, in milliseconds (uploads: after the body was sent). @default 60000 */
  requestTimeoutMs?: number
}

/** Options of `client.convert()`. */
export interface ConvertOptions extends ConversionParams {
  /** PDF only: convert page ranges concurrently and merge them in page order. @default false */
  splitPages?: boolean
  /** Pages per range when `splitPages` is on. @default 1 */
  pagesPerChunk?: number
  /**
   * PDF only: convert only these pages (`'1-3,7,10-'` or `[1, 2, 3, 7]`); only they are uploaded. Without
   * `splitPages` they go as one PDF in one job. @default every page
   */
  pages?: PageSpec
  /** With `splitPages`: what a range that still fails after its retry does. @default 'throw' */
  onPageError?: PageErrorPolicy
  /**
   * With `splitPages`: go on with a conversion of the same document that stopped (a {@link PagesHandle}): ranges
   * with a job are waited for (converted again only if the server lost or failed them), the others submitted.
   * Its ranges replace `pages` and `pagesPerChunk`, which must then be left out.
   */
  resume?: PagesHandle
  /** The filename sent with the upload. @default from the path or File name, else `document` */
  filename?: string
  /** The content type sent with the upload. @default from the extension, else the magic bytes */
  contentType?: string
  /** Aborts the call; the remote job is then cancelled (best effort) unless `cancelOnAbort` is false. */
  signal?: AbortSignal
  /**
   * Cancel the remote jobs (best effort) when the call is aborted or runs past its deadline. False leaves them
   * running, e.g. for a process that shuts down and resumes them later (`resume`, `wait()`). @default true
   */
  cancelOnAbort?: boolean
  /** Deadline of this call (upload, wait, retries) in milliseconds, 0 for none. @default the client's `timeoutMs` */
  timeoutMs?: number
  /** How to wait for the job. @default the client's `waitStrategy` */
  strategy?: WaitStrategy
  /** Progress of this call (the client's `on()` listeners get the same events). */
  onProgress?: ProgressListener
}

/** Options of `client.convertPages()`: those of `convert()`, splitting always. */
export type ConvertPagesOptions = Omit<ConvertOptions, 'splitPages'>

/** Options of `client.submit()`. */
export interface SubmitOptions extends ConversionParams {
  /** The filename sent with the upload. @default from the path or File name, else `document` */
  filename?: string
  /** The content type sent with the upload. @default from the extension, else the magic bytes */
  contentType?: string
  /** Aborts the upload; a job the server already created is then cancelled (best effort). */
  signal?: AbortSignal
  /** Overall deadline of the upload in milliseconds, 0 for none. @default the client's `timeoutMs` */
  timeoutMs?: number
  /** Progress of this call (`upload`, `retry`, `adopted`, `submitted`). */
  onProgress?: ProgressListener
}

/** Options of `client.wait()`. */
export interface WaitOptions {
  /** Aborts the wait. */
  signal?: AbortSignal
  /** How to wait. @default the client's `waitStrategy` */
  strategy?: WaitStrategy
  /** Deadline of the wait in milliseconds, 0 for none. @default the client's `timeoutMs` */
  timeoutMs?: number
  /** Progress of this call (`status`, `retry`, `done`, `failed`). */
  onProgress?: ProgressListener
  /** Cancel the remote job (best effort) when the wait is aborted or runs past its deadline. @default true */
  cancelOnAbort?: boolean
  /** `wait(handle)` only: what a range whose job failed does. @default 'throw' */
  onPageError?: PageErrorPolicy
}

/** Options of `client.getJob()` and `client.cancel()`. */
export interface RequestOptions {
  /** Aborts the call. */
  signal?: AbortSignal
  /** Overall deadline in milliseconds, retries included. @default the client's `timeoutMs` */
  timeoutMs?: number
}

/** Options of `client.listJobs()`. */
export interface ListJobsOptions {
  /** Only the jobs of this organization. */
  organization?: string
  /** 1..100. @default 30 */
  perPage?: number
  /** Jobs to skip before the first one returned. @default 0 */
  skip?: number
  /** Stops the iteration with an AbortError. */
  signal?: AbortSignal
}
