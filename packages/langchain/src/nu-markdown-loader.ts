import { basename } from 'node:path'
import { BaseDocumentLoader } from '@langchain/core/document_loaders/base'
import type { Document } from '@langchain/core/documents'
import {
  AbortError,
  AuthenticationError,
  type ConvertInput,
  type ConvertOptions,
  type ConvertPagesOptions,
  checkKnownOptions,
  createClient,
  PermissionDeniedError,
  ValidationError,
  validateClientOptions,
  validateConversionParams,
  validatePageSpec,
} from '@numarkdown/core'
import type { NuMarkdownDocumentMetadata } from './document-metadata.js'
import type { DocumentSplitter } from './document-splitter.js'
import { defaultSplitter } from './internal/default-splitter.js'
import { loaderOptionKeys } from './internal/option-keys.js'
import { orderedPool } from './internal/ordered-pool.js'
import { orderedStreams } from './internal/ordered-streams.js'
import { deriveSourceName, type PlannedSource, planSources } from './internal/sources.js'
import { pageDocument, type ShapeOptions, toDocuments } from './internal/to-documents.js'
import { checkBoolean, checkNumber, fail } from './internal/validate.js'
import type { ErrorPolicy, LoaderClient, LoaderInput, NuMarkdownLoaderOptions } from './loader-options.js'
import { NuMarkdownLoaderError } from './nu-markdown-loader-error.js'

const errorPolicies: readonly ErrorPolicy[] = ['throw', 'skip', 'collect']
const pageErrorPolicies: readonly string[] = ['throw', 'skip']

/** Settings resolved once, at construction. */
interface Settings {
  client: LoaderClient | undefined
  clientOptions: Parameters<typeof createClient>[0]
  convertOptions: ConvertOptions
  /** With `splitPages`: the options of `convertPages()`. */
  pageOptions: ConvertPagesOptions | undefined
  shape: ShapeOptions
  onError: ErrorPolicy
  concurrency: number
  signal: AbortSignal | undefined
}

function settingsFrom(options: NuMarkdownLoaderOptions): Settings {
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options)
  checkKnownOptions(options, loaderOptionKeys, 'NuMarkdownLoader options')
  const { client, apiKey, baseUrl, clientOptions } = options
  if (client !== undefined && (typeof client !== 'object' || typeof client?.convert !== 'function')) {
    fail('client', 'a NuMarkdownClient', client)
  }
  if (apiKey !== undefined && typeof apiKey !== 'string') fail('apiKey', 'a string', '(not a string)')
  if (baseUrl !== undefined && typeof baseUrl !== 'string' && !(baseUrl instanceof URL)) {
    fail('baseUrl', 'a string or a URL', baseUrl)
  }
  if (clientOptions !== undefined && (typeof clientOptions !== 'object' || clientOptions === null)) {
    fail('clientOptions', 'an object', clientOptions)
  }
  const onError = options.onError ?? 'throw'
  if (!errorPolicies.includes(onError)) fail('onError', "'throw', 'skip' or 'collect'", onError)
  const concurrency = checkNumber('concurrency', options.concurrency, { min: 1, integer: true }) ?? 4
  const signal = options.signal
  if (signal !== undefined && !(signal instanceof AbortSignal)) fail('signal', 'an AbortSignal', signal)

  // Checked here as well as by the client, so that a bad parameter fails at once rather than once per document
  // (where 'skip' or 'collect' would swallow it).
  const params = validateConversionParams(options)
  const timeoutMs = checkNumber('timeoutMs', options.timeoutMs, { min: 0 })

  const convertOptions: ConvertOptions = {
    ...params,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  }
  const splitPages = checkBoolean('splitPages', options.splitPages) ?? false
  const { pages, onPageError } = options
  if (pages !== undefined) {
    if (typeof pages !== 'string' && !Array.isArray(pages)) {
      fail('pages', "a string like '1-3,7,10-' or an array of page numbers", pages)
    }
    convertOptions.pages = pages
  }
  if (onPageError !== undefined) {
    if (!pageErrorPolicies.includes(onPageError)) fail('onPageError', "'throw' or 'skip'", onPageError)
    if (!splitPages)
      fail('onPageError', 'left out without splitPages: true (one job has no pages)', onPageError)
  }
  if (splitPages && client !== undefined && typeof client.convertPages !== 'function') {
    fail('client', 'a NuMarkdownClient with convertPages() for splitPages', client)
  }
  const pageOptions: ConvertPagesOptions | undefined = splitPages
    ? { ...convertOptions, ...(onPageError === undefined ? {} : { onPageError }) }
    : undefined
  checkPageSpec(pages)
  const ownClientOptions = {
    ...clientOptions,
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(baseUrl === undefined ? {} : { baseUrl }),
  }
  // The client is created on each load: its options (strict, like every options object) are checked now.
  if (client === undefined) validateClientOptions(ownClientOptions)
  return {
    client,
    clientOptions: ownClientOptions,
    convertOptions,
    pageOptions,
    shape: {
      splitPages,
      includeReasoning: checkBoolean('includeReasoning', options.includeReasoning) ?? false,
    },
    onError,
    concurrency,
    signal,
  }
}

/** Checks the syntax of a page spec with core's own parser, when the loader is made. */
function checkPageSpec(pages: ConvertOptions['pages']): void {
  if (pages === undefined) return
  try {
    validatePageSpec(pages)
  } catch (error) {
    if (!ValidationError.isInstance(error)) throw error
    throw new ValidationError(`NuMarkdownLoader: ${error.message}`, { parameter: 'pages', cause: error })
  }
}

/** Errors that would fail every document alike: they stop loading whatever the error policy. */
function concernsEveryDocument(error: unknown): boolean {
  return AuthenticationError.isInstance(error) || PermissionDeniedError.isInstance(error)
}

/**
 * A LangChain document loader that converts PDFs, images and office documents to markdown with NuMarkdown.
 *
 * Each input gives one Document (or one per page with `splitPages`) whose `metadata.source` names it and whose
 * conversion details sit under `metadata.numarkdown`, out of the way of LangChain's `index()` hashing.
 * Conversions run `concurrency` at a time and come out in input order.
 *
 * @example
 * ```ts
 * const loader = new NuMarkdownLoader(['a.pdf', 'b.docx'], { client, splitPages: true, onError: 'collect' })
 * const docs = await loader.load()
 * console.log(loader.errors)
 * ```
 */
export class NuMarkdownLoader extends BaseDocumentLoader {
  readonly #sources: readonly PlannedSource[]
  readonly #settings: Settings
  #errors: NuMarkdownLoaderError[] = []

  /**
   * @param input a path, a `file:` URL, a Blob/File, a Buffer/Uint8Array, or an array of them.
   * @param options see {@link NuMarkdownLoaderOptions}; checked here, throwing a `ValidationError` that names the
   *   value received.
   */
  constructor(input: LoaderInput | readonly LoaderInput[], options: NuMarkdownLoaderOptions = {}) {
    super()
    this.#sources = planSources(input, options?.sourceName)
    this.#settings = settingsFrom(options)
  }

  /**
   * The documents that failed during the last load with `onError: 'collect'`, in input order, each naming its
   * source. Emptied when a load starts.
   */
  get errors(): readonly NuMarkdownLoaderError[] {
    return this.#errors
  }

  /** Converts every input and returns all the Documents, in input order. */
  async load(): Promise<Document<NuMarkdownDocumentMetadata>[]> {
    const documents: Document<NuMarkdownDocumentMetadata>[] = []
    for await (const document of this.lazyLoad()) documents.push(document)
    return documents
  }

  /**
   * Yields the Documents in input order, each as soon as its conversion and the earlier ones are done, with at
   * most `concurrency` conversions in flight. With `splitPages`, a PDF's pages come one by one, each as soon as
   * it and every page before it are converted, while its later pages (and the next documents) still convert.
   * Stopping the iteration early cancels the conversions in flight, every page range included.
   */
  async *lazyLoad(): AsyncGenerator<Document<NuMarkdownDocumentMetadata>, void, undefined> {
    const errors: NuMarkdownLoaderError[] = []
    this.#errors = errors
    const { signal } = this.#settings
    const ownClient =
      this.#settings.client === undefined ? createClient(this.#settings.clientOptions) : undefined
    const client = this.#settings.client ?? (ownClient as LoaderClient)
    try {
      for await (const outcome of this.#outcomes(client)) {
        if (!(outcome instanceof NuMarkdownLoaderError)) {
          yield outcome
        } else if (this.#settings.onError === 'throw' || concernsEveryDocument(outcome.cause)) {
          throw outcome
        } else if (this.#settings.onError === 'collect') {
          errors.push(outcome)
        }
      }
    } catch (error) {
      if (signal?.aborted && !AbortError.isInstance(error)) {
        throw new AbortError('Loading was aborted', { cause: signal.reason })
      }
      throw error
    } finally {
      await ownClient?.close()
    }
  }

  /**
   * Loads, then splits the Documents with `splitter`, keeping their metadata. LangChain's `index()` also needs
   * this method to recognise a loader (it then calls `load()`).
   * @param splitter @default a `MarkdownTextSplitter` from `@langchain/textsplitters` (which must then be installed)
   */
  async loadAndSplit(splitter?: DocumentSplitter): Promise<Document[]> {
    const chosen = splitter ?? (await defaultSplitter())
    return chosen.splitDocuments(await this.load())
  }

  /**
   * Every Document of every input, or the error of an input that failed, in input order: whole documents
   * `concurrency` at a time, or with `splitPages`, each page as soon as it and every page before it are done.
   */
  async *#outcomes(
    client: LoaderClient,
  ): AsyncGenerator<Document<NuMarkdownDocumentMetadata> | NuMarkdownLoaderError, void, undefined> {
    const { concurrency, signal } = this.#settings
    const signalOption = signal === undefined ? {} : { signal }
    if (this.#settings.pageOptions !== undefined) {
      yield* orderedStreams(
        this.#sources,
        (source, index, poolSignal) => this.#convertPages(client, source, index, poolSignal),
        { concurrency, buffer: 1, ...signalOption },
      )
      return
    }
    const batches = orderedPool(
      this.#sources,
      (source, index, poolSignal) => this.#convert(client, source, index, poolSignal),
      { concurrency, window: concurrency * 2, ...signalOption },
    )
    for await (const outcome of batches) {
      if (outcome instanceof NuMarkdownLoaderError) yield outcome
      else yield* outcome
    }
  }

  /** One input page by page; a failure ends it with its error, after the pages before it. */
  async *#convertPages(
    client: LoaderClient,
    source: PlannedSource,
    index: number,
    signal: AbortSignal,
  ): AsyncGenerator<Document<NuMarkdownDocumentMetadata> | NuMarkdownLoaderError, void, undefined> {
    let name = source.name ?? `input[${index}]`
    try {
      const { convertInput, sourceName } = await this.#prepare(source, index)
      name = sourceName
      // Checked at construction: a splitPages loader's client has convertPages().
      const convertPages = client.convertPages!.bind(client)
      for await (const page of convertPages(convertInput, { ...this.#settings.pageOptions, signal })) {
        yield pageDocument(page, name, this.#settings.shape)
      }
    } catch (error) {
      // Aborted by the caller or because the iteration stopped: not this document's failure.
      if (signal.aborted) throw error
      yield new NuMarkdownLoaderError(name, error)
    }
  }

  /** The input as core takes it, and the `source` of its Documents (derived from the content when unnamed). */
  async #prepare(
    source: PlannedSource,
    index: number,
  ): Promise<{ convertInput: ConvertInput; sourceName: string }> {
    const { input } = source
    let name = source.name ?? `input[${index}]`
    if (source.name === undefined && (input instanceof Uint8Array || input instanceof Blob)) {
      name = await deriveSourceName(input)
    }
    const convertInput: ConvertInput =
      source.named && (input instanceof Uint8Array || input instanceof Blob)
        ? { data: input, filename: basename(name) }
        : input
    return { convertInput, sourceName: name }
  }

  async #convert(
    client: LoaderClient,
    source: PlannedSource,
    index: number,
    signal: AbortSignal,
  ): Promise<Document<NuMarkdownDocumentMetadata>[] | NuMarkdownLoaderError> {
    let name = source.name ?? `input[${index}]`
    try {
      const { convertInput, sourceName } = await this.#prepare(source, index)
      name = sourceName
      const result = await client.convert(convertInput, { ...this.#settings.convertOptions, signal })
      return toDocuments(result, name, this.#settings.shape)
    } catch (error) {
      // Aborted by the caller or because the iteration stopped: not this document's failure.
      if (signal.aborted) throw error
      return new NuMarkdownLoaderError(name, error)
    }
  }
}
