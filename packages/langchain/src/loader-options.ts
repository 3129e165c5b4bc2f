import type {
  ClientOptions,
  ConversionParams,
  NuMarkdownClient,
  PageErrorPolicy,
  PageSpec,
} from '@numarkdown/core'

/**
 * One document for {@link NuMarkdownLoader}: a file path, a `file:` URL, a `Blob`/`File`, or a `Buffer`/`Uint8Array`.
 * Streams are not accepted: a loader can be loaded more than once (LangChain's `index()` does), a stream only once.
 */
export type LoaderInput = string | URL | Blob | Uint8Array

/**
 * Names the `source` of inputs that have no path: one string for a single input, an array with one entry per input
 * (`undefined` keeps the default), or a function of the input and its position.
 */
export type SourceName =
  | string
  | ReadonlyArray<string | undefined>
  | ((input: LoaderInput, index: number) => string | undefined)

/**
 * What to do when a document cannot be converted: `'throw'` stops loading with a {@link NuMarkdownLoaderError},
 * `'skip'` leaves the document out, `'collect'` leaves it out and records the error in `loader.errors`.
 */
export type ErrorPolicy = 'throw' | 'skip' | 'collect'

/** The part of a NuMarkdown client the loader uses: `convertPages` is needed with `splitPages` only. */
export type LoaderClient = Pick<NuMarkdownClient, 'convert'> & Partial<Pick<NuMarkdownClient, 'convertPages'>>

/** Options of `new NuMarkdownLoader(input, options)`. Conversion parameters are checked at construction. */
export interface NuMarkdownLoaderOptions extends ConversionParams {
  /**
   * The client to convert with; the loader never closes it. Without it, the loader creates a client from `apiKey`,
   * `baseUrl` and `clientOptions` for each load and closes it when the load ends.
   */
  client?: LoaderClient
  /** Used only without `client`. @default process.env.NUMIND_API_KEY */
  apiKey?: string
  /** Used only without `client`. @default process.env.NUMARKDOWN_BASE_URL ?? 'https://nuextract.ai' */
  baseUrl?: string | URL
  /** Further options of the client the loader creates when no `client` is given. */
  clientOptions?: Omit<ClientOptions, 'apiKey' | 'baseUrl'>
  /**
   * The `source` of Blob and buffer inputs (it also overrides a path). Without it a File's name is used, and a
   * nameless Blob or buffer is named after its content: `blob-<first 16 hex digits of its SHA-256>` or
   * `buffer-<...>`, stable from one run to the next.
   */
  sourceName?: SourceName
  /**
   * PDFs only: one Document per page, as soon as the page and every page before it are converted (`lazyLoad()`
   * yields it then), with `metadata.loc.pageNumber` from 1 and `metadata.pdf.totalPages`, like LangChain's
   * `PDFLoader`. Other documents give one Document.
   * @default false
   */
  splitPages?: boolean
  /**
   * PDFs only: convert only these pages (`'1-3,7,10-'` or `[1, 2, 3, 7]`); only they are uploaded. Pages a
   * document does not have are that document's failure (a `ValidationError` as `cause`), under `onError`.
   * @default every page
   */
  pages?: PageSpec
  /**
   * With `splitPages`: what a page that still fails after its retry does. `'throw'` fails its document (under
   * `onError`, after the pages before it were yielded); `'skip'` gives a Document whose content is a marker (an
   * HTML comment naming the pages) and whose `metadata.numarkdown.error` says why, and goes on.
   * @default 'throw'
   */
  onPageError?: PageErrorPolicy
  /** Put the model's reasoning trace in `metadata.numarkdown.reasoning`. @default false */
  includeReasoning?: boolean
  /** @default 'throw' */
  onError?: ErrorPolicy
  /**
   * Documents converting at once for this loader (the client's own limit applies too). Conversions run ahead of
   * a slow consumer of `lazyLoad()` by at most twice this many documents.
   * @default 4
   */
  concurrency?: number
  /** Stops loading and cancels the conversions in flight; loading then throws whatever the policy. */
  signal?: AbortSignal
  /** Deadline of one document's conversion in milliseconds; 0 means none. @default the client's `timeoutMs` */
  timeoutMs?: number
}
