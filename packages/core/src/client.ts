import { readFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { APIError, ConnectionError, NuMarkdownError, TimeoutError } from './errors.js'
import { pickAdoptable, type UploadIdentity } from './internal/adoption.js'
import { cancelJob, cancelQuietly } from './internal/cancel.js'
import { type ClientContext, retryReporter } from './internal/client-context.js'
import { ConversionQueue } from './internal/conversion-queue.js'
import { Http } from './internal/http.js'
import { chunkSize, prepareUpload, type UploadSource } from './internal/input.js'
import { type JobsPage, listJobsPage, readJob } from './internal/job-requests.js'
import { safeLogger } from './internal/logger.js'
import { digestSource, multipartBody } from './internal/multipart.js'
import { Operation } from './internal/operation.js'
import { resolveClientOptions } from './internal/options.js'
import { OwnedJobs } from './internal/owned-jobs.js'
import { conversionQuery } from './internal/params.js'
import { ProgressEmitter } from './internal/progress.js'
import { nextDelay } from './internal/retry.js'
import { splitPdf } from './internal/split-pdf.js'
import {
  checkJobId,
  checkNumberRange,
  checkSignal,
  checkStrategy,
  checkTimeout,
  fail,
} from './internal/validate.js'
import { waitForJob } from './internal/waiter.js'
import type {
  CancelResult,
  ClientOptions,
  ConversionResult,
  ConvertInput,
  ConvertOptions,
  Job,
  ListJobsOptions,
  PageResult,
  ProgressListener,
  SubmitOptions,
  SubmitResult,
  Usage,
  WaitOptions,
  WaitStrategy,
} from './types.js'

/** Options of `client.getJob()` and `client.cancel()`. */
export interface RequestOptions {
  signal?: AbortSignal
  /** Overall deadline in milliseconds, retries included. @default the client's `timeoutMs` */
  timeoutMs?: number
}

/** Tolerance on the server clock when matching the creation time of a job to adopt. */
const clockToleranceMs = 5_000
/** How long an aborted submit whose body was sent waits for its job ID (to cancel the job). */
const abortGraceMs = 5_000

type SubmitFailure = 'fatal' | 'safe' | 'ambiguous'

/** How a failed submit attempt reads: safe to resend (no job can exist), ambiguous (a job may exist), or fatal. */
function classifySubmitFailure(error: unknown): SubmitFailure {
  if (error instanceof APIError) {
    if (error.status === 408 || error.status === 429 || error.status === 503) return 'safe'
    if (error.status >= 500) return 'ambiguous'
    return 'fatal'
  }
  if (error instanceof ConnectionError) {
    // Nothing reached a server that could not be connected to (refused, unknown host).
    if (error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN')
      return 'safe'
    if (error.code === 'UND_ERR_CONNECT_TIMEOUT') return 'safe'
    return 'ambiguous'
  }
  if (error instanceof TimeoutError && error.code !== 'deadline_exceeded') {
    return error.code === 'UND_ERR_CONNECT_TIMEOUT' ? 'safe' : 'ambiguous'
  }
  return 'fatal'
}

function addUsage(total: Usage | undefined, usage: Usage | undefined): Usage | undefined {
  if (!usage) return total
  const sum: Usage = { ...total }
  for (const key of ['inputTokens', 'outputTokens', 'totalTokens'] as const) {
    if (usage[key] !== undefined) sum[key] = (sum[key] ?? 0) + usage[key]
  }
  return sum
}

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
    }
  }

  /** The API's base URL (never holds credentials). */
  get baseUrl(): string {
    return this.#context.options.baseUrl.href
  }

  /** Conversions allowed in flight right now: the configured `concurrency`, lowered for a while after a 429. */
  get concurrency(): number {
    return this.#context.queue.limit.current
  }

  /**
   * Listens to the progress of every call of this client (`upload`, `submitted`, `status`, `retry`, `adopted`,
   * `done`, `failed`). A throwing listener is ignored.
   * @returns A function that removes the listener.
   */
  on(listener: ProgressListener): () => void {
    if (typeof listener !== 'function') fail('listener', 'a function', listener)
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
   * @throws {AbortError} / {TimeoutError} when `signal` fired / the deadline passed.
   */
  async convert(input: ConvertInput, options: ConvertOptions = {}): Promise<ConversionResult> {
    this.#checkOpen()
    const query = conversionQuery(options)
    const strategy = checkStrategy(options.strategy) ?? this.#context.options.waitStrategy
    const operation = this.#operation(options.signal, options.timeoutMs)
    const splitPages = options.splitPages ?? false
    if (typeof splitPages !== 'boolean') fail('splitPages', 'a boolean', splitPages)
    const pagesPerChunk = checkNumberRange('pagesPerChunk', options.pagesPerChunk ?? 1, {
      min: 1,
      integer: true,
    })
    const onProgress = options.onProgress
    try {
      const source = await prepareUpload(input, {
        ...(options.filename === undefined ? {} : { filename: options.filename }),
        ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
        spoolStreams: this.#context.options.maxRetries > 0 || splitPages,
        signal: operation.signal,
      })
      try {
        if (splitPages) {
          return await this.#convertPages(source, query, pagesPerChunk, strategy, operation, onProgress)
        }
        const result = await this.#context.queue.run(operation, () =>
          this.#submitAndWait(source, query, strategy, operation, onProgress),
        )
        return result
      } finally {
        await source.dispose()
      }
    } catch (error) {
      const failure = this.#asError(error, operation)
      this.#context.progress.emit(
        { type: 'failed', ...jobIdOf(failure), error: failure, elapsedMs: operation.elapsedMs() },
        onProgress,
      )
      throw failure
    }
  }

  /**
   * Uploads a document and returns as soon as the server accepted it. The result is plain JSON: persist
   * `jobId` and call {@link NuMarkdownClient.wait} later, from this or another client instance.
   */
  async submit(input: ConvertInput, options: SubmitOptions = {}): Promise<SubmitResult> {
    this.#checkOpen()
    const query = conversionQuery(options)
    const operation = this.#operation(options.signal, options.timeoutMs)
    try {
      const source = await prepareUpload(input, {
        ...(options.filename === undefined ? {} : { filename: options.filename }),
        ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
        spoolStreams: this.#context.options.maxRetries > 0,
        signal: operation.signal,
      })
      try {
        return await this.#context.queue.run(operation, () =>
          this.#submitSource(source, query, operation, options.onProgress),
        )
      } finally {
        await source.dispose()
      }
    } catch (error) {
      throw this.#asError(error, operation)
    }
  }

  /** Reads a job (`GET /api/jobs/{jobId}`), retrying transient failures. */
  async getJob(jobId: string, options: RequestOptions = {}): Promise<Job> {
    this.#checkOpen()
    checkJobId(jobId)
    const operation = this.#operation(options.signal, options.timeoutMs)
    try {
      return (await readJob(this.#context, jobId, operation)).job
    } catch (error) {
      throw this.#asError(error, operation)
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
  async wait(jobId: string, options: WaitOptions = {}): Promise<ConversionResult> {
    this.#checkOpen()
    checkJobId(jobId)
    const strategy = checkStrategy(options.strategy) ?? this.#context.options.waitStrategy
    const operation = this.#operation(options.signal, options.timeoutMs)
    const cancelOnAbort = options.cancelOnAbort ?? true
    if (typeof cancelOnAbort !== 'boolean') fail('cancelOnAbort', 'a boolean', cancelOnAbort)
    try {
      return await this.#context.queue.run(operation, () =>
        waitForJob(this.#context, jobId, strategy, operation, options.onProgress, cancelOnAbort),
      )
    } catch (error) {
      const failure = this.#asError(error, operation, jobId)
      this.#context.progress.emit(
        { type: 'failed', jobId, error: failure, elapsedMs: operation.elapsedMs() },
        options.onProgress,
      )
      throw failure
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
    const perPage = checkNumberRange('perPage', options.perPage ?? 30, { min: 1, max: 100, integer: true })
    const firstSkip = checkNumberRange('skip', options.skip ?? 0, { min: 0, integer: true })
    if (options.organization !== undefined && typeof options.organization !== 'string') {
      fail('organization', 'a string', options.organization)
    }
    const signal = checkSignal(options.signal)
    return this.#pages(firstSkip, perPage, options.organization, signal)
  }

  async *#pages(
    firstSkip: number,
    perPage: number,
    organization: string | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Job> {
    let skip = firstSkip
    while (true) {
      const operation = new Operation(
        signal,
        this.#context.options.timeoutMs,
        undefined,
        this.#context.closeSignal,
      )
      let page: JobsPage
      try {
        page = (await listJobsPage(this.#context, { skip, perPage, organization }, operation)).page
      } catch (error) {
        throw this.#asError(error, operation)
      }
      const items = Array.isArray(page.items) ? page.items : []
      for (const job of items) yield job
      skip += items.length
      const total = typeof page.totalCount === 'number' ? page.totalCount : undefined
      if (
        items.length === 0 ||
        (total !== undefined && skip >= total) ||
        (total === undefined && items.length < perPage)
      ) {
        return
      }
    }
  }

  /**
   * Asks the server to cancel a job (`POST /api/jobs/{jobId}/cancel`). An older server without the route
   * (404/405/501) gives `{ cancelled: false, supported: false }`, never an error.
   */
  async cancel(jobId: string, options: RequestOptions = {}): Promise<CancelResult> {
    this.#checkOpen()
    checkJobId(jobId)
    const operation = this.#operation(options.signal, options.timeoutMs)
    try {
      return await cancelJob(this.#context, jobId, operation)
    } catch (error) {
      throw this.#asError(error, operation, jobId)
    }
  }

  /** Closes the connection pool. Calls in flight fail; later calls throw. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#context.queue.clear()
    this.#closing.abort()
    await this.#context.http.close()
  }

  // --- internals -------------------------------------------------------------------------------------------

  #operation(signal: unknown, timeoutMs: unknown): Operation {
    return new Operation(
      checkSignal(signal),
      checkTimeout(timeoutMs, this.#context.options.timeoutMs),
      undefined,
      this.#context.closeSignal,
    )
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

  async #submitAndWait(
    source: UploadSource,
    query: Record<string, string>,
    strategy: WaitStrategy,
    operation: Operation,
    onProgress: ProgressListener | undefined,
  ): Promise<ConversionResult> {
    const { jobId } = await this.#submitSource(source, query, operation, onProgress)
    return waitForJob(this.#context, jobId, strategy, operation, onProgress, true)
  }

  /** One upload with retries that never create a second job: see the README, "Retries". */
  async #submitSource(
    source: UploadSource,
    query: Record<string, string>,
    operation: Operation,
    onProgress: ProgressListener | undefined,
  ): Promise<SubmitResult> {
    const body = multipartBody(source)
    const key = `${source.filename}\u0000${source.size ?? '?'}`
    let streamOpened = false
    for (let attempt = 0; ; attempt++) {
      operation.throwIfAborted()
      const attemptStartedAt = Date.now()
      let lastUploadEvent = 0
      // Once the whole body is sent, an abort waits briefly for the job ID so that the job can be cancelled
      // instead of left running unseen.
      let bodySent = false
      const requestController = new AbortController()
      const request = new Operation(requestController.signal, 0, undefined, this.#context.closeSignal)
      let grace: NodeJS.Timeout | undefined
      const onAbort = () => {
        if (bodySent) grace = setTimeout(() => requestController.abort(), abortGraceMs)
        else requestController.abort()
      }
      operation.signal.addEventListener('abort', onAbort, { once: true })
      const exchange = (async () => {
        const response = await this.#context.http.send({
          method: 'POST',
          path: 'api/markdown/infer-async',
          query,
          headers: {
            accept: 'application/json, text/plain',
            'content-type': body.contentType,
            ...(body.contentLength === undefined ? {} : { 'content-length': String(body.contentLength) }),
          },
          body: (async function* () {
            streamOpened = true
            yield* body.stream((bytesSent) => {
              // One event per 8 MiB (and the last one) keeps listeners cheap on large files.
              if (bytesSent - lastUploadEvent >= 8 * chunkSize || bytesSent === source.size) {
                lastUploadEvent = bytesSent
                emitUpload(bytesSent)
              }
            })
            bodySent = true
          })(),
          operation: request,
        })
        if (response.status < 200 || response.status >= 300)
          throw await this.#context.http.error(response, request)
        const text = await this.#context.http.text(response, request)
        let jobId: unknown
        try {
          jobId = (JSON.parse(text) as { jobId?: unknown }).jobId
        } catch {
          jobId = undefined
        }
        if (typeof jobId !== 'string' || jobId === '') {
          throw new ConnectionError(`The server answered ${response.status} without a job ID`, {
            code: 'invalid_response',
          })
        }
        this.#context.ownedJobs.add(jobId)
        return jobId
      })()
      const emitUpload = (bytesSent: number) =>
        this.#context.progress.emit(
          {
            type: 'upload',
            filename: source.filename,
            bytesSent,
            ...(source.size === undefined ? {} : { totalBytes: source.size }),
            elapsedMs: operation.elapsedMs(),
          },
          onProgress,
        )
      const peers = this.#context.submitAttempts.get(key) ?? new Set()
      this.#context.submitAttempts.set(key, peers)
      peers.add(exchange)
      let outcome: { jobId: string } | { error: unknown }
      try {
        outcome = { jobId: await exchange }
      } catch (error) {
        outcome = { error }
      } finally {
        clearTimeout(grace)
        operation.signal.removeEventListener('abort', onAbort)
        peers.delete(exchange)
        if (peers.size === 0 && this.#context.submitAttempts.get(key) === peers)
          this.#context.submitAttempts.delete(key)
      }

      if (operation.aborted) {
        if ('jobId' in outcome && !operation.closed) await cancelQuietly(this.#context, outcome.jobId)
        throw operation.abortError('jobId' in outcome ? outcome.jobId : undefined)
      }
      if ('jobId' in outcome) {
        this.#context.queue.limit.succeeded()
        // The server may answer before reading a body to its end; a re-readable source can still be hashed.
        const digest =
          body.digest() ??
          (source.reReadable ? await digestSource(source) : { size: body.bytesSent(), sha256: '' })
        return this.#submitted(outcome.jobId, source, digest, false, operation, onProgress)
      }
      const error = outcome.error
      let kind = classifySubmitFailure(error)
      if (error instanceof ConnectionError && error.code === 'invalid_response') kind = 'ambiguous'
      if (kind === 'fatal') throw error

      if (kind === 'ambiguous') {
        const identity = source.reReadable || body.digest() ? await this.#identityOf(source, body) : undefined
        if (!identity) {
          throw new ConnectionError(
            `The upload of ${source.filename} failed after it was sent, and a one-shot stream cannot be matched or sent again: ${(error as Error).message}`,
            { code: 'ambiguous_submit', cause: error },
          )
        }
        let adopted: Job | undefined
        try {
          adopted = await this.#findLostJob(identity, attemptStartedAt, key, operation, onProgress)
        } catch (listError) {
          if (operation.aborted) throw operation.abortError()
          // Without the list, sending again could create a second job: stop here and say why.
          throw new ConnectionError(
            `The upload of ${source.filename} failed after it was sent (${(error as Error).message}), and the jobs could not be listed to find out whether the server created one: ${(listError as Error).message}`,
            { code: 'ambiguous_submit', cause: error },
          )
        }
        if (adopted) {
          this.#context.progress.emit(
            {
              type: 'adopted',
              jobId: adopted.id,
              filename: source.filename,
              elapsedMs: operation.elapsedMs(),
            },
            onProgress,
          )
          this.#context.logger.info(
            `numarkdown adopted job ${adopted.id} after an ambiguous submit failure`,
            {
              jobId: adopted.id,
            },
          )
          return this.#submitted(adopted.id, source, identity, true, operation, onProgress)
        }
        // The server has no job for this upload: sending it again cannot create a second one.
      }
      if (!source.reReadable && streamOpened) throw error
      const delay = nextDelay(error, attempt, this.#context.retryPolicy, operation)
      if (delay === undefined) throw error
      retryReporter(
        this.#context,
        'submit',
        operation,
        onProgress,
      )(error as NuMarkdownError, attempt + 1, delay)
      await operation.sleep(delay)
    }
  }

  async #identityOf(source: UploadSource, body: ReturnType<typeof multipartBody>): Promise<UploadIdentity> {
    const digest = body.digest() ?? (await digestSource(source))
    return { filename: source.filename, size: digest.size, sha256: digest.sha256 }
  }

  #submitted(
    jobId: string,
    source: UploadSource,
    identity: { size: number; sha256: string },
    adopted: boolean,
    operation: Operation,
    onProgress: ProgressListener | undefined,
  ): SubmitResult {
    this.#context.ownedJobs.add(jobId)
    this.#context.progress.emit(
      { type: 'submitted', jobId, filename: source.filename, elapsedMs: operation.elapsedMs() },
      onProgress,
    )
    this.#context.logger.debug(`numarkdown submitted ${source.filename} as job ${jobId}`, {
      jobId,
      filename: source.filename,
      adopted,
    })
    return {
      jobId,
      filename: source.filename,
      contentType: source.contentType,
      size: identity.size,
      sha256: identity.sha256,
      adopted,
    }
  }

  /**
   * After an ambiguous submit failure: the newest job of this owner with the same upload identity, created
   * since the attempt began and not owned already. Identical uploads in flight settle first, so two of them
   * never take the same job.
   */
  async #findLostJob(
    identity: UploadIdentity,
    attemptStartedAt: number,
    key: string,
    operation: Operation,
    onProgress: ProgressListener | undefined,
  ): Promise<Job | undefined> {
    const peers = [...(this.#context.submitAttempts.get(key) ?? [])]
    if (peers.length > 0) await Promise.allSettled(peers)
    const first = await listJobsPage(this.#context, { skip: 0, perPage: 100 }, operation, onProgress)
    const items = [...(first.page.items ?? [])]
    const total = first.page.totalCount ?? items.length
    if (total > items.length && items.length > 1) {
      const firstCreated = Date.parse(String(items[0]?.createdAt))
      const lastCreated = Date.parse(String(items[items.length - 1]?.createdAt))
      // Oldest first: the newest jobs are on the last page.
      if (firstCreated < lastCreated) {
        const last = await listJobsPage(
          this.#context,
          { skip: Math.max(0, total - 100), perPage: 100 },
          operation,
          onProgress,
        )
        items.push(...(last.page.items ?? []))
      }
    }
    const skew = first.serverNow === undefined ? 0 : first.serverNow - first.localNow
    const since = attemptStartedAt + skew - clockToleranceMs
    const job = pickAdoptable(items, identity, since, this.#context.ownedJobs)
    if (job) this.#context.ownedJobs.add(job.id)
    return job
  }

  /** `splitPages`: one job per page range under the shared limit, merged in page order. */
  async #convertPages(
    source: UploadSource,
    query: Record<string, string>,
    pagesPerChunk: number,
    strategy: WaitStrategy,
    operation: Operation,
    onProgress: ProgressListener | undefined,
  ): Promise<ConversionResult> {
    const single = async (warning: string) => {
      const result = await this.#context.queue.run(operation, () =>
        this.#submitAndWait(source, query, strategy, operation, onProgress),
      )
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
          const result = await this.#context.queue.run(chunkOperation, () =>
            this.#submitAndWait(chunkSource, query, strategy, chunkOperation, onProgress),
          )
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
        (outcome as PromiseFulfilledResult<{ chunk: (typeof chunks)[number]; result: ConversionResult }>)
          .value,
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
}

function isSiblingAbort(reason: unknown, parent: Operation): boolean {
  return !parent.aborted && NuMarkdownError.isInstance(reason) && reason.code === 'aborted'
}

function jobIdOf(error: NuMarkdownError): { jobId?: string } {
  return error.jobId === undefined ? {} : { jobId: error.jobId }
}

/** Creates a {@link NuMarkdownClient}; the same as `new NuMarkdownClient(options)`. */
export function createClient(options: ClientOptions = {}): NuMarkdownClient {
  return new NuMarkdownClient(options)
}
