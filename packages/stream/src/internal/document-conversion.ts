import {
  type ConversionResult,
  type ConvertInput,
  checkKnownOptions,
  type PageResult,
  type ProgressEvent,
} from '@numarkdown/core'
import { InvalidChunkError, InvalidOptionError } from '../errors.js'
import type { MarkdownInfo, MarkdownTransformOptions, StreamConversionParams } from '../types.js'
import { ClientHandle } from './client-handle.js'
import { markdownTransformOptionKeys } from './option-keys.js'
import { checkClient, checkInteger, checkParams, checkSignal, checkType, spoolOptions } from './options.js'
import { checkPagePolicy, checkPageSpec, namePagesError } from './page-options.js'
import { PageSummary } from './page-summary.js'
import { Spool, type SpooledDocument, type SpoolOptions } from './spool.js'

/** The options of a single-document stream, validated and with their defaults. */
export interface ResolvedMarkdownOptions {
  options: MarkdownTransformOptions
  highWaterMark: number
  /** The conversion parameters, picked once at creation. */
  params: StreamConversionParams
  spool: SpoolOptions
}

/**
 * Validates the options of a single-document stream; throws an `InvalidOptionError` naming the value received,
 * or core's `ValidationError` for an unknown key (`where` names the options in its message).
 */
export function resolveMarkdownOptions(
  options: MarkdownTransformOptions,
  where: string,
): ResolvedMarkdownOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionError('options', 'an object', options)
  checkKnownOptions(options, markdownTransformOptionKeys, where)
  checkClient(options.client)
  checkType('filename', options.filename, 'string')
  checkType('contentType', options.contentType, 'string')
  checkType('includeReasoning', options.includeReasoning, 'boolean')
  checkType('onProgress', options.onProgress, 'function')
  checkType('onInfo', options.onInfo, 'function')
  checkType('onPage', options.onPage, 'function')
  checkType('pageSeparator', options.pageSeparator, 'string')
  checkSignal(options.signal)
  checkInteger('highWaterMark', options.highWaterMark, 1)
  const params = checkParams(options)
  checkPagePolicy(params)
  const spool = spoolOptions(options)
  return { options, highWaterMark: options.highWaterMark ?? 64 * 1024, params, spool }
}

/** The markdown a stream writes out: with the reasoning first, in an HTML comment, when asked for. */
export function renderMarkdown(
  result: { markdown: string; reasoning: string },
  includeReasoning: boolean,
): string {
  if (!includeReasoning || result.reasoning.trim() === '') return result.markdown
  // CommonMark ends an HTML comment block at the first `-->`, so a trace containing one must not close it early.
  const reasoning = result.reasoning.replaceAll('-->', '--&gt;')
  return `<!-- reasoning\n${reasoning}\n-->\n\n${result.markdown}`
}

/** The details of `info`, from a conversion result. */
export function infoOf(result: ConversionResult): MarkdownInfo {
  return {
    jobId: result.jobId,
    partial: result.partial,
    reasoning: result.reasoning,
    ...(result.usage === undefined ? {} : { usage: result.usage }),
    recovered: result.recovered,
    ...(result.pages === undefined ? {} : { pages: result.pages }),
    ...(result.warnings === undefined ? {} : { warnings: result.warnings }),
  }
}

/**
 * One document going through a stream: bytes collected (spooled when large), converted once the input ends,
 * and everything released by `dispose()` whatever the moment: the conversion aborted (its remote job
 * cancelled), the temporary file deleted, an owned client closed. Shared by the Node and the Web adapter.
 */
export class DocumentConversion {
  readonly #options: MarkdownTransformOptions
  readonly #params: StreamConversionParams
  readonly #client: ClientHandle
  readonly #spool: Spool
  readonly #controller = new AbortController()
  readonly #onProgress: (event: ProgressEvent) => void
  /** Whether anyone listens for progress now: core makes no progress events for a conversion nobody hears. */
  readonly #listened: () => boolean
  /** The conversion under way, once started (its caller handles a rejection). */
  #conversion: Promise<unknown> = Promise.resolve()
  /** True once the conversion has ended, either way: nothing is left to abort then. */
  #settled = false
  #disposing: Promise<void> | undefined

  constructor(
    resolved: ResolvedMarkdownOptions,
    onProgress: (event: ProgressEvent) => void,
    listened: () => boolean = () => true,
  ) {
    this.#options = resolved.options
    this.#params = resolved.params
    this.#client = new ClientHandle(resolved.options.client)
    try {
      checkPageSpec(resolved.params, 'pages')
    } catch (error) {
      void this.#client.close()
      throw error
    }
    this.#spool = new Spool(resolved.spool)
    this.#onProgress = onProgress
    this.#listened = listened
  }

  /** The conversion's progress listener, when anyone listens as it starts. */
  #progress(): { onProgress?: (event: ProgressEvent) => void } {
    return this.#listened() ? { onProgress: this.#onProgress } : {}
  }

  /** True when the markdown goes out range by range (`splitPages`). */
  get splitPages(): boolean {
    return this.#params.splitPages === true
  }

  /** True once the conversion has ended, either way. */
  get settled(): boolean {
    return this.#settled
  }

  /** The temporary file, while there is one. */
  get spoolPath(): string | undefined {
    return this.#spool.path
  }

  /**
   * Adds a chunk at once when it stays in memory, and returns true; returns false, holding nothing, when it must
   * go through {@link append}: a chunk for the temporary file, or one `append()` rejects (not bytes, disposed of).
   */
  holdNow(chunk: unknown): boolean {
    return chunk instanceof Uint8Array && this.#disposing === undefined && this.#spool.holdNow(chunk)
  }

  /** Adds a chunk of the document; rejects with an `InvalidChunkError` for anything but bytes. */
  async append(chunk: unknown): Promise<void> {
    if (!(chunk instanceof Uint8Array)) throw new InvalidChunkError(chunk)
    this.#throwIfDisposed()
    await this.#spool.append(chunk)
  }

  /** Converts the collected document; the temporary file is deleted as soon as the upload no longer needs it. */
  finish(): Promise<{ markdown: string; info: MarkdownInfo }> {
    // The caller handles a rejection of this very promise; `dispose()` only waits for it to settle.
    const conversion = this.#finish()
    this.#conversion = conversion
    return conversion
  }

  async #finish(): Promise<{ markdown: string; info: MarkdownInfo }> {
    try {
      this.#throwIfDisposed()
      // A document in memory is taken at once; one in a file once its writes are done and it is closed.
      const document = this.#spool.sealInMemory() ?? (await this.#spool.seal())
      let result: ConversionResult
      try {
        result = await this.#client.convert(this.#inputOf(document), {
          ...this.#params,
          signal: this.#controller.signal,
          ...this.#progress(),
        })
      } catch (error) {
        throw namePagesError(error, this.#documentName)
      }
      // Bytes in memory went with the document; only a file has something left to delete.
      if (document.kind === 'file') await this.#spool.dispose()
      return {
        markdown: renderMarkdown(result, this.#options.includeReasoning ?? false),
        info: infoOf(result),
      }
    } finally {
      this.#settled = true
    }
  }

  /**
   * Converts the collected document range by range (`splitPages`): `deliver` gets the text of each range (the
   * separator first, from the second range on) as soon as it and every range before it are done, and the next
   * range is taken only once `deliver` has resolved, so that a slow reader holds the conversion back rather than
   * letting markdown pile up. Resolves with the details of every range once the last one is out; a range that
   * failed with `onPageError: 'throw'` rejects with its `PageRangeError` after the ranges before it.
   */
  streamPages(deliver: (text: string, page: PageResult) => Promise<void>): Promise<MarkdownInfo> {
    const conversion = this.#streamPages(deliver)
    this.#conversion = conversion.then(
      () => (this.#settled = true),
      () => (this.#settled = true),
    )
    return conversion
  }

  async #streamPages(deliver: (text: string, page: PageResult) => Promise<void>): Promise<MarkdownInfo> {
    this.#throwIfDisposed()
    const document = await this.#spool.seal()
    const signal = this.#controller.signal
    const { splitPages: _splitPages, ...params } = this.#params
    const separator = this.#options.pageSeparator ?? '\n\n'
    const includeReasoning = this.#options.includeReasoning ?? false
    const summary = new PageSummary()
    try {
      const pages = this.#client.convertPages(this.#inputOf(document), {
        ...params,
        signal,
        ...this.#progress(),
      })
      // Leaving this loop (an abort, a failed delivery) returns the iterator: core then cancels every range.
      for await (const page of pages) {
        const text = renderMarkdown(page, includeReasoning)
        await untilAborted(deliver(summary.count === 0 ? text : separator + text, page), signal)
        summary.add(page)
      }
    } catch (error) {
      throw namePagesError(error, this.#documentName)
    } finally {
      await this.#spool.dispose()
    }
    // As `convert()` does: a document of markers only is no conversion.
    const failed = summary.everyRangeFailed
    if (failed !== undefined) throw failed.error
    return summary.info()
  }

  /** How errors name the document: its filename, when the stream was given one. */
  get #documentName(): string {
    return this.#options.filename ?? 'the document'
  }

  #inputOf(document: SpooledDocument): ConvertInput {
    const { filename, contentType } = this.#options
    return {
      data: document.kind === 'memory' ? document.bytes : document.path,
      ...(filename === undefined ? {} : { filename }),
      ...(contentType === undefined ? {} : { contentType }),
    }
  }

  /**
   * Aborts the conversion and releases everything; resolves once the conversion has stopped and the file is gone
   * (and, for a client the stream created, once the remote job is cancelled).
   */
  dispose(reason: unknown): Promise<void> {
    this.#disposing ??= this.#dispose(reason)
    return this.#disposing
  }

  /**
   * Releases everything at once and returns true when nothing is left to wait for: the conversion has ended, no
   * temporary file remains and the client is the caller's. A stream then closes without the turns of the event
   * loop `dispose()` would take, and `pipeline` sees it closed when the last stream finishes (it otherwise builds
   * an ERR_STREAM_DESTROYED, with its stack, for a stream still closing). Returns false when `dispose()` must be
   * awaited.
   */
  disposeNow(): boolean {
    if (!this.#settled || this.#spool.path !== undefined || this.#client.owned) return false
    this.#disposing ??= Promise.resolve()
    return true
  }

  async #dispose(reason: unknown): Promise<void> {
    // Aborting after the end would only build an AbortError (a costly stack trace) that nobody reads.
    if (!this.#settled) this.#controller.abort(reason)
    await this.#conversion.then(settledAnyway, settledAnyway)
    await this.#spool.dispose()
    await this.#client.close()
  }

  #throwIfDisposed(): void {
    if (this.#disposing !== undefined) {
      throw this.#controller.signal.reason ?? new Error('The conversion was already released')
    }
  }
}

function settledAnyway(): void {}

/** `promise`, or the abort reason as soon as `signal` aborts, whichever comes first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
