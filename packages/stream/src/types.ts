/**
 * The public types of @numarkdown/stream.
 */
import type {
  ClientOptions,
  ConversionResult,
  ConvertInput,
  FailedPages,
  NuMarkdownClient,
  PageErrorPolicy,
  PageResult,
  PageSpec,
  ProgressEvent,
  Usage,
  WaitStrategy,
} from '@numarkdown/core'

/** The conversion parameters a stream passes to `client.convert()` (validated when the stream is created). */
export interface StreamConversionParams {
  /** 0 ≤ temperature ≤ 1. @default 0 (server side) */
  temperature?: number
  /** Integer, 1 ≤ dpi ≤ 300. @default 170 (server side) */
  rasterizationDpi?: number
  /** Integer ≥ 0; 0 means no limit. @default 0 (server side) */
  maxOutputTokens?: number
  /** The job's execution timeout on the server: a duration string (`'90s'`, `'5m'`) or milliseconds. */
  timeout?: string | number
  /**
   * PDF only: convert page ranges concurrently. A single-document stream writes each range's markdown as soon as
   * it and every range before it are done; `convertMany` gives the ranges merged in page order. @default false
   */
  splitPages?: boolean
  /** Pages per range when `splitPages` is on. @default 1 */
  pagesPerChunk?: number
  /**
   * PDF only: convert only these pages (`'1-3,7,10-'` or `[1, 2, 3, 7]`); only they are uploaded. Pages the
   * document does not have fail its conversion with a `ValidationError` naming the document and its page count.
   * @default every page
   */
  pages?: PageSpec
  /**
   * With `splitPages`: what a range that still fails after its retry does: `'throw'` fails the conversion with a
   * `PageRangeError`, `'skip'` puts a marker (an HTML comment naming the pages) in its place and goes on.
   * @default 'throw'
   */
  onPageError?: PageErrorPolicy
  /** Overall deadline of one conversion in milliseconds. @default the client's `timeoutMs` */
  timeoutMs?: number
  /** How to wait for the job. @default the client's `waitStrategy` */
  strategy?: WaitStrategy
}

/** A client, or the options of a client that the stream creates, owns, and closes when it ends. */
export type ClientOrOptions = NuMarkdownClient | ClientOptions

/**
 * What a single-document stream learns about its conversion, emitted (`info`) before the markdown ends: before
 * its first byte for a conversion in one job, after the last range with `splitPages`.
 */
export interface MarkdownInfo {
  /** The job of the conversion; with `splitPages`, the first converted range's. */
  jobId: string
  /** True when the service reported a partial result (with `splitPages`: for a range, or a range was skipped). */
  partial: boolean
  /** The model's reasoning; with `splitPages`, empty: each range's reasoning comes with its `page` event. */
  reasoning: string
  usage?: Usage
  /** True when the markdown (with `splitPages`: of any range) was recovered from the raw `<think>/<answer>` output. */
  recovered: boolean
  /**
   * `splitPages` only: every range, in page order, without its markdown and reasoning (they went out with the
   * output and the `page` events, and are not held until the end).
   */
  pages?: PageInfo[]
  /** `splitPages` with `onPageError: 'skip'`: the ranges that failed, in page order; absent when none did. */
  failedPages?: FailedPages[]
  warnings?: string[]
}

/** A range of a `splitPages` conversion as {@link MarkdownInfo} lists it: its details, not its text. */
export type PageInfo = Omit<PageResult, 'markdown' | 'reasoning'>

/** Options of {@link toMarkdown}, {@link MarkdownTransform} and {@link toMarkdownStream}. */
export interface MarkdownTransformOptions extends StreamConversionParams {
  /** A client, or client options: the stream then creates its own client and closes it when it ends. */
  client: ClientOrOptions
  /**
   * With `splitPages`: what is written between two ranges. The default gives the same text as
   * `client.convert(input, { splitPages: true }).markdown`.
   * @default '\n\n' (a blank line)
   */
  pageSeparator?: string
  /**
   * With `splitPages`: called with each range, in page order, just before its markdown is written (the Node
   * stream also emits `page`).
   */
  onPage?: (page: PageResult) => void
  /** The document's filename, sent with the upload. @default derived by core from the content ('document') */
  filename?: string
  /** The document's content type. @default derived from `filename`, then from the bytes */
  contentType?: string
  /** Aborting it destroys the stream, cancels the remote job and deletes the temporary file. */
  signal?: AbortSignal
  /** Inputs larger than this many bytes are spooled to a temporary file instead of memory. @default 8388608 (8 MiB) */
  spoolThresholdBytes?: number
  /** Where temporary files go. @default os.tmpdir() */
  spoolDirectory?: string
  /**
   * Put the reasoning trace before the markdown, inside an HTML comment (`<!-- reasoning ... -->`) so that
   * rendered markdown does not show it. Nothing is added when the trace is empty.
   * @default false
   */
  includeReasoning?: boolean
  /**
   * How much markdown the readable side buffers: bytes for {@link MarkdownTransform}, characters for
   * {@link toMarkdownStream}. (The Node writable side holds up to 16 chunks before it pushes back on the writer;
   * the Web one, one chunk.)
   * @default 65536
   */
  highWaterMark?: number
  /** Called with each progress event of the conversion (the Node stream also emits them as `progress`). */
  onProgress?: (event: ProgressEvent) => void
  /** Called with the conversion's details before the markdown ends (the Node stream also emits `info`). */
  onInfo?: (info: MarkdownInfo) => void
}

/** An item of {@link convertMany}: a file path (string or file URL), or an input with its own settings. */
export type ConvertManyItem =
  | string
  | URL
  | {
      /** Any input `client.convert()` accepts: a path, bytes, a Blob, a Node Readable, a Web ReadableStream. */
      input: ConvertInput
      filename?: string
      contentType?: string
      /** Overrides the stream's conversion parameters for this item. */
      params?: StreamConversionParams
    }

/** The outcome of one item of {@link convertMany}; `input` is the item as written. */
export type ConvertManyOutput =
  | { input: ConvertManyItem; ok: true; result: ConversionResult }
  | { input: ConvertManyItem; ok: false; error: unknown }

/** Options of {@link convertMany} and {@link convertManyStream}. */
export interface ConvertManyOptions extends StreamConversionParams {
  /** A client, or client options: the stream then creates its own client and closes it when it ends. */
  client: ClientOrOptions
  /** Conversions in flight at once (the client's own limit applies too). @default 4 */
  concurrency?: number
  /** Emit outcomes in input order; `false` emits them as they finish. @default true */
  ordered?: boolean
  /**
   * Stop at the first failure: the stream is destroyed with an `ItemFailedError` and every other conversion is
   * aborted (remote jobs cancelled). Otherwise failures are outcomes with `ok: false`.
   * @default false
   */
  failFast?: boolean
  /** Aborting it destroys the stream and cancels every conversion in flight. */
  signal?: AbortSignal
  /**
   * Items at most in flight or finished and not yet read (raised to `concurrency` when lower); the writable
   * side buffers as many items again before it pushes back on the producer.
   * @default 16
   */
  highWaterMark?: number
  /** Called with each progress event of each conversion and the item it belongs to. */
  onProgress?: (event: ProgressEvent, input: ConvertManyItem) => void
}
