import { setMaxListeners } from 'node:events'
import {
  checkKnownOptions,
  checkListParams,
  checkNumberRange,
  conversionQuery,
  rejectValue,
} from '@numarkdown/protocol'
import { NuMarkdownError, ValidationError } from './errors.js'
import { BackgroundTasks } from './internal/background-tasks.js'
import { Call } from './internal/call.js'
import { cancelJob } from './internal/cancel.js'
import type { ClientContext } from './internal/client-context.js'
import { ConversionQueue } from './internal/conversion-queue.js'
import { convertUpload } from './internal/convert-upload.js'
import { Http } from './internal/http.js'
import {
  type FileStatAhead,
  preloadContentTypes,
  prepareUpload,
  statAhead,
  type UploadSource,
} from './internal/input.js'
import { pageThroughJobs, readJob } from './internal/job-requests.js'
import { safeLogger } from './internal/logger.js'
import { Operation } from './internal/operation.js'
import {
  convertOptionKeys,
  convertPagesOptionKeys,
  listJobsOptionKeys,
  requestOptionKeys,
  submitOptionKeys,
  waitOptionKeys,
} from './internal/option-keys.js'
import { resolveClientOptions } from './internal/options.js'
import { OwnedJobs } from './internal/owned-jobs.js'
import { parsePageSpec } from './internal/page-selection.js'
import { checkPagesHandle } from './internal/pages-handle.js'
import { ProgressEmitter } from './internal/progress.js'
import {
  convertSplitPages,
  handleOf,
  type PageCut,
  type PagedConversionRequest,
  type PagePlan,
  planPages,
  planResume,
  planWait,
  streamPages,
} from './internal/split-pages.js'
import { submitUpload } from './internal/submit.js'
import {
  checkJobId,
  checkPageErrorPolicy,
  checkSignal,
  checkStrategy,
  checkTimeout,
} from './internal/validate.js'
import { waitForJob } from './internal/waiter.js'
import type {
  CancelResult,
  ClientOptions,
  ConversionResult,
  ConvertInput,
  ConvertOptions,
  ConvertPagesOptions,
  Job,
  ListJobsOptions,
  PageResult,
  PageStream,
  PagesHandle,
  ProgressListener,
  RequestOptions,
  SubmitOptions,
  SubmitResult,
  WaitOptions,
} from './types.js'

/**
 * The NuMarkdown API client: submits documents, waits for jobs (SSE with polling fallback), reads, lists and
 * cancels jobs, and converts documents to markdown in one call. One instance holds a keep-alive connection pool
 * and a concurrency limit shared by every caller; call {@link NuMarkdownClient.close} when done.
 *
 * @example
 * ```ts
 * const client = new NuMarkdownClient() // NUMIND_API_KEY from the environment
 * const { markdown } = await client.convert('./report.pdf')
 * await client.close()
 * ```
 */
export class NuMarkdownClient {
  readonly #context: ClientContext
  #closed = false
  readonly #closing = new AbortController()

  /**
   * @param options Token, base URL, limits and defaults; validated here (a ValidationError names the value
   * received). The token defaults to `NUMIND_API_KEY`, the base URL to `NUMARKDOWN_BASE_URL`, then
   * `https://nuextract.ai`.
   */
  constructor(options: ClientOptions = {}) {
    const resolved = resolveClientOptions(options)
    // Calls without a deadline listen to the close signal itself, one listener each while in flight.
    setMaxListeners(0, this.#closing.signal)
    const logger = safeLogger(resolved.logger, resolved.apiKey)
    this.#context = {
      options: resolved,
      logger,
      http: new Http({
        baseUrl: resolved.baseUrl,
        apiKey: resolved.apiKey,
        logger,
        requestTimeoutMs: resolved.requestTimeoutMs,
      }),
      queue: new ConversionQueue(resolved.concurrency),
      retryPolicy: {
        maxRetries: resolved.maxRetries,
        baseMs: resolved.retryBaseMs,
        maxMs: resolved.retryMaxMs,
      },
      progress: new ProgressEmitter(logger),
      ownedJobs: new OwnedJobs(),
      submitAttempts: new Map(),
      closeSignal: this.#closing.signal,
      background: new BackgroundTasks(logger),
    }
    preloadContentTypes()
  }

  /** The API's base URL (never holds credentials). */
  get baseUrl(): string {
    return this.#context.options.baseUrl.href
  }

  /**
   * Jobs whose remote cancel is still under way: calls that ended at their deadline or on abort cancel their job
   * in the background. An app that must exit before `close()` has let them finish can name these jobs.
   */
  get cancelling(): string[] {
    return [...this.#context.background.cancelling]
  }

  /** Conversions allowed in flight right now: the configured `concurrency`, lowered for a while after a 429. */
  get concurrency(): number {
    return this.#context.queue.limit.current
  }

  /**
   * Listens to the progress of every call of this client (`upload`, `submitted`, `status`, `retry`, `adopted`,
   * `resubmit`, `done`, `failed`, `pages-total`, `page-done`). A throwing listener is ignored.
   * @returns A function that removes the listener.
   */
  on(listener: ProgressListener): () => void {
    if (typeof listener !== 'function') rejectValue('listener', 'a function', listener)
    return this.#context.progress.add(listener)
  }

  /**
   * Converts a document to markdown: uploads it, waits for the job and returns the result. Counts against the
   * client's concurrency limit from submit to result. On abort or deadline the remote job is cancelled
   * (best effort).
   *
   * @param input A file path, `file:` URL, Buffer/Uint8Array, Blob/File, Node Readable, Web ReadableStream, or
   * `{ data, filename?, contentType? }`.
   * @throws {ValidationError} for a bad parameter, before any request.
   * @throws {JobFailedError} when the job failed on the server; {@link JobTimeoutError} past its execution timeout.
   * @throws {PageRangeError} with `splitPages`, when a page range failed after its retry (unless
   * `onPageError: 'skip'`).
   * @throws {AbortError} / {TimeoutError} when `signal` fired / the deadline passed.
   */
  async convert(input: ConvertInput, options: ConvertOptions = {}): Promise<ConversionResult> {
    this.#checkOpen()
    const ahead = statAhead(input)
    checkKnownOptions(options, convertOptionKeys, 'convert() options')
    const query = conversionQuery(options)
    const strategy = checkStrategy(options.strategy) ?? this.#context.options.waitStrategy
    const splitPages = options.splitPages ?? false
    if (typeof splitPages !== 'boolean') rejectValue('splitPages', 'a boolean', splitPages)
    const cut = this.#pageCut(options)
    const onPageError = checkPageErrorPolicy(options.onPageError)
    if (options.onPageError !== undefined && !splitPages) {
      throw new ValidationError(
        `onPageError ${JSON.stringify(onPageError)} applies with splitPages: true only (one job has no page ranges)`,
        { parameter: 'onPageError' },
      )
    }
    const resume = this.#resumeHandle(options)
    const cancelOnAbort = checkCancelOnAbort(options.cancelOnAbort)
    if (resume && !splitPages) {
      throw new ValidationError('resume applies with splitPages: true only (a handle holds page ranges)', {
        parameter: 'resume',
      })
    }
    const call = this.#call(options)
    try {
      const source = await this.#prepare(input, options, {
        call,
        splitPages: splitPages || cut.selection !== undefined,
        ahead,
      })
      try {
        if (splitPages) {
          const plan = resume ? await planResume(source, resume) : await planPages(source, cut)
          return await convertSplitPages(call, plan, { query, strategy, onPageError, cancelOnAbort })
        }
        if (cut.selection) {
          // The chosen pages as one PDF, one job, under the document's own name.
          const plan = await planPages(source, { pagesPerChunk: Infinity, selection: cut.selection })
          const selected = await plan.upload!(plan.ranges[0]!, source.filename)
          return await convertUpload(call, selected, { query, strategy, cancelOnAbort })
        }
        return await convertUpload(call, source, { query, strategy, cancelOnAbort })
      } finally {
        await source.dispose()
      }
    } catch (error) {
      throw this.#failed(this.#asError(error, call.operation), call)
    } finally {
      call.operation.end()
    }
  }

  /**
   * Converts a document page by page: a PDF is cut into ranges of `pagesPerChunk` pages (only the `pages`
   * chosen), converted concurrently under the client's limit, and each range is yielded in page order as soon
   * as it and every range before it are done. Any other document is one entry covering it whole, page 1, with
   * a warning. A range that fails is retried on its own once; one that still fails throws a
   * {@link PageRangeError} (the other ranges are cancelled) or, with `onPageError: 'skip'`, is yielded with its
   * `error` and a marker for markdown. Leaving the loop early or aborting cancels every range still running,
   * remote jobs included. Nothing is sent before the first `next()`.
   *
   * The returned stream's `handle` is the conversion's ranges and their jobs as plain JSON: persist it, and after
   * a restart `convertPages(input, { resume: handle })` collects the ranges that have a job and submits only the
   * others (or `wait(handle)` collects them all).
   *
   * @example
   * ```ts
   * for await (const page of client.convertPages('./report.pdf', { pages: '1-3,10-' })) {
   *   process.stdout.write(`${page.markdown}\n\n`)
   * }
   * ```
   * @throws {ValidationError} for a bad option (at once), or pages the document does not have (on iteration).
   * @throws {PageRangeError} when a range failed after its retry (`onPageError: 'throw'`).
   * @throws {AbortError} / {TimeoutError} when `signal` fired / the deadline of the whole document passed.
   */
  convertPages(input: ConvertInput, options: ConvertPagesOptions = {}): PageStream {
    this.#checkOpen()
    checkKnownOptions(options, convertPagesOptionKeys, 'convertPages() options')
    const query = conversionQuery(options)
    const strategy = checkStrategy(options.strategy) ?? this.#context.options.waitStrategy
    const cut = this.#pageCut(options)
    const onPageError = checkPageErrorPolicy(options.onPageError)
    const resume = this.#resumeHandle(options)
    const cancelOnAbort = checkCancelOnAbort(options.cancelOnAbort)
    checkSignal(options.signal)
    checkTimeout(options.timeoutMs, 0)
    const planned: { plan?: PagePlan } = {}
    const pages = this.#streamPages(input, options, {
      cut,
      resume,
      request: { query, strategy, onPageError, cancelOnAbort },
      planned,
    })
    Object.defineProperty(pages, 'handle', {
      get: () => (planned.plan ? handleOf(planned.plan) : undefined),
      enumerable: true,
    })
    return pages as PageStream
  }

  /**
   * Uploads a document and returns as soon as the server accepted it. The result is plain JSON: persist
   * `jobId` and call {@link NuMarkdownClient.wait} later, from this or another client instance.
   */
  async submit(input: ConvertInput, options: SubmitOptions = {}): Promise<SubmitResult> {
    this.#checkOpen()
    const ahead = statAhead(input)
    checkKnownOptions(options, submitOptionKeys, 'submit() options')
    const query = conversionQuery(options)
    const call = this.#call(options)
    try {
      const source = await this.#prepare(input, options, { call, splitPages: false, ahead })
      try {
        return await this.#context.queue.run(call.operation, () => submitUpload(call, source, query))
      } finally {
        await source.dispose()
      }
    } catch (error) {
      throw this.#asError(error, call.operation)
    } finally {
      call.operation.end()
    }
  }

  /** Reads a job (`GET /api/jobs/{jobId}`), retrying transient failures. */
  async getJob(jobId: string, options: RequestOptions = {}): Promise<Job> {
    this.#checkOpen()
    checkKnownOptions(options, requestOptionKeys, 'getJob() options')
    checkJobId(jobId)
    const call = this.#call(options)
    try {
      return (await readJob(call, jobId)).job
    } catch (error) {
      throw this.#asError(error, call.operation)
    } finally {
      call.operation.end()
    }
  }

  /**
   * Waits for a job to finish and returns its result: over SSE by default, reconnecting when the stream drops,
   * falling back to polling when the server has no stream (`strategy: 'auto'`). Works for a job submitted by
   * any client instance, e.g. after a restart.
   *
   * @throws {JobFailedError} / {JobTimeoutError} when the job failed / ran past its execution timeout.
   * @throws {AbortError} / {TimeoutError} on abort / deadline; the remote job is then cancelled unless
   * `cancelOnAbort: false`.
   */
  async wait(jobId: string, options?: WaitOptions): Promise<ConversionResult>
  /**
   * Waits for every range of a split conversion's {@link PagesHandle} (each must have its job) and returns them
   * merged in page order, as `convert(input, { splitPages: true })` would. A range whose job failed or is gone
   * throws a {@link PageRangeError} (or, with `onPageError: 'skip'`, is marked): without the document it
   * cannot be submitted again; `convertPages(input, { resume: handle })` can.
   */
  async wait(handle: PagesHandle, options?: WaitOptions): Promise<ConversionResult>
  async wait(target: string | PagesHandle, options: WaitOptions = {}): Promise<ConversionResult> {
    this.#checkOpen()
    checkKnownOptions(options, waitOptionKeys, 'wait() options')
    const strategy = checkStrategy(options.strategy) ?? this.#context.options.waitStrategy
    const cancelOnAbort = checkCancelOnAbort(options.cancelOnAbort)
    const onPageError = checkPageErrorPolicy(options.onPageError)
    if (typeof target === 'object' && target !== null) {
      const plan = planWait(checkPagesHandle(target, 'handle'))
      const call = this.#call(options)
      try {
        return await convertSplitPages(call, plan, { query: {}, strategy, onPageError, cancelOnAbort })
      } catch (error) {
        throw this.#failed(this.#asError(error, call.operation), call)
      } finally {
        call.operation.end()
      }
    }
    const jobId = target
    checkJobId(jobId)
    if (options.onPageError !== undefined) {
      throw new ValidationError('onPageError applies to wait(handle) only (one job has no page ranges)', {
        parameter: 'onPageError',
      })
    }
    const call = this.#call(options)
    try {
      return await this.#context.queue.run(call.operation, () =>
        waitForJob(call, jobId, { strategy, cancelOnAbort }),
      )
    } catch (error) {
      throw this.#failed(this.#asError(error, call.operation, jobId), call, jobId)
    } finally {
      call.operation.end()
    }
  }

  /**
   * Pages through the jobs of the token's owner (`GET /api/jobs`), `perPage` at a time, until `totalCount`.
   *
   * @example
   * ```ts
   * for await (const job of client.listJobs({ perPage: 50 })) console.log(job.id, job.status)
   * ```
   */
  listJobs(options: ListJobsOptions = {}): AsyncIterableIterator<Job> {
    this.#checkOpen()
    checkKnownOptions(options, listJobsOptionKeys, 'listJobs() options')
    const { perPage, skip: firstSkip } = checkListParams(options)
    if (options.organization !== undefined && typeof options.organization !== 'string') {
      rejectValue('organization', 'a string', options.organization)
    }
    const signal = checkSignal(options.signal)
    return pageThroughJobs(
      this.#context,
      { skip: firstSkip, perPage, organization: options.organization, signal },
      (error, operation) => this.#asError(error, operation),
    )
  }

  /**
   * Asks the server to cancel a job (`POST /api/jobs/{jobId}/cancel`). An older server without the route
   * (404/405/501) gives `{ cancelled: false, supported: false }`, never an error.
   */
  async cancel(jobId: string, options: RequestOptions = {}): Promise<CancelResult> {
    this.#checkOpen()
    checkKnownOptions(options, requestOptionKeys, 'cancel() options')
    checkJobId(jobId)
    const call = this.#call(options)
    try {
      return await cancelJob(call, jobId)
    } catch (error) {
      throw this.#asError(error, call.operation, jobId)
    } finally {
      call.operation.end()
    }
  }

  /**
   * Closes the connection pool. Calls in flight fail with a `client_closed` error and leave their jobs running;
   * later calls throw. Remote cancels that calls ended at their deadline or on abort started in the background
   * are finished first (each takes at most 10 s, after at most 5 s more to learn the job ID of an upload that
   * was aborted after it was sent).
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#context.queue.clear()
    this.#closing.abort()
    await this.#context.background.settled()
    await this.#context.http.close()
  }

  // --- internals -------------------------------------------------------------------------------------------

  /** The ranges `options` asks for (`pagesPerChunk`, `pages`), checked. */
  #pageCut(options: { pagesPerChunk?: unknown; pages?: unknown }): PageCut {
    const pagesPerChunk = checkNumberRange('pagesPerChunk', options.pagesPerChunk ?? 1, {
      min: 1,
      integer: true,
    })
    return { pagesPerChunk, selection: parsePageSpec(options.pages) }
  }

  /**
   * The `resume` handle of `options`, checked; refused beside `pages` or `pagesPerChunk`, which the handle's
   * ranges replace.
   */
  #resumeHandle(options: {
    resume?: unknown
    pages?: unknown
    pagesPerChunk?: unknown
  }): PagesHandle | undefined {
    if (options.resume === undefined) return undefined
    const handle = checkPagesHandle(options.resume, 'resume')
    for (const parameter of ['pages', 'pagesPerChunk'] as const) {
      if (options[parameter] !== undefined) {
        throw new ValidationError(
          `resume and ${parameter} cannot go together: the handle's ranges say which pages are converted; leave ${parameter} out`,
          { parameter },
        )
      }
    }
    return handle
  }

  /**
   * `convertPages()` once iterated: the call starts (and its deadline runs) at the first `next()`. The plan is
   * left in `planned` for the stream's `handle`.
   */
  async *#streamPages(
    input: ConvertInput,
    options: ConvertPagesOptions,
    {
      cut,
      resume,
      request,
      planned,
    }: {
      cut: PageCut
      resume: PagesHandle | undefined
      request: PagedConversionRequest
      planned: { plan?: PagePlan }
    },
  ): AsyncGenerator<PageResult, void, undefined> {
    this.#checkOpen()
    const call = this.#call(options)
    try {
      const source = await this.#prepare(input, options, { call, splitPages: true })
      try {
        const plan = resume ? await planResume(source, resume) : await planPages(source, cut)
        planned.plan = plan
        for await (const { page } of streamPages(call, plan, request)) yield page
      } finally {
        await source.dispose()
      }
    } catch (error) {
      throw this.#failed(this.#asError(error, call.operation), call)
    } finally {
      call.operation.end()
    }
  }

  /** One call of this client: its deadline and cancellation from `options`, and its progress listener. */
  #call(options: { signal?: unknown; timeoutMs?: unknown; onProgress?: ProgressListener | undefined }): Call {
    const operation = new Operation({
      signal: checkSignal(options.signal),
      timeoutMs: checkTimeout(options.timeoutMs, this.#context.options.timeoutMs),
      closeSignal: this.#context.closeSignal,
    })
    return new Call(this.#context, operation, options.onProgress)
  }

  /**
   * The upload behind `input`. A one-shot stream is spooled to a temporary file when it may be read again: to
   * retry the submit, or to split its pages.
   */
  #prepare(
    input: ConvertInput,
    given: { filename?: string; contentType?: string },
    { call, splitPages, ahead }: { call: Call; splitPages: boolean; ahead?: FileStatAhead | undefined },
  ): Promise<UploadSource> {
    return prepareUpload(input, {
      ahead,
      ...(given.filename === undefined ? {} : { filename: given.filename }),
      ...(given.contentType === undefined ? {} : { contentType: given.contentType }),
      spoolStreams: this.#context.options.maxRetries > 0 || splitPages,
      // Made only if a one-shot stream is spooled: an AbortSignal costs a call that does not need one.
      get signal() {
        return call.operation.signal
      },
    })
  }

  /** Reports a failed conversion or wait (`failed` event) and returns its error to throw. */
  #failed(failure: NuMarkdownError, call: Call, jobId: string | undefined = failure.jobId): NuMarkdownError {
    call.emit({ type: 'failed', ...(jobId === undefined ? {} : { jobId }), error: failure })
    return failure
  }

  #checkOpen(): void {
    if (this.#closed) throw new NuMarkdownError('The client was closed', { code: 'client_closed' })
  }

  #asError(error: unknown, operation: Operation, jobId?: string): NuMarkdownError {
    if (error instanceof NuMarkdownError) return error
    if (operation.aborted) return operation.abortError(jobId)
    return new NuMarkdownError(
      this.#context.http.redact(error instanceof Error ? error.message : String(error)),
      {
        ...(jobId === undefined ? {} : { jobId }),
        cause: error,
      },
    )
  }
}

function checkCancelOnAbort(value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') rejectValue('cancelOnAbort', 'a boolean', value)
  return value ?? true
}

/** Creates a {@link NuMarkdownClient}; the same as `new NuMarkdownClient(options)`. */
export function createClient(options: ClientOptions = {}): NuMarkdownClient {
  return new NuMarkdownClient(options)
}
