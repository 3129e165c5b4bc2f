/**
 * The public types of @numarkdown/stream.
 */
import type {
  ClientOptions,
  ConversionResult,
  ConvertInput,
  NuMarkdownClient,
  PageResult,
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
  /** PDF only: convert page ranges concurrently and merge them in page order. @default false */
  splitPages?: boolean
  /** Pages per range when `splitPages` is on. @default 1 */
  pagesPerChunk?: number
  /** Overall deadline of one conversion in milliseconds. @default the client's `timeoutMs` */
  timeoutMs?: number
  /** How to wait for the job. @default the client's `waitStrategy` */
  strategy?: WaitStrategy
}

/** A client, or the options of a client that the stream creates, owns, and closes when it ends. */
export type ClientOrOptions = NuMarkdownClient | ClientOptions

/** What a single-document stream learns about its conversion, emitted (`info`) before the markdown ends. */
export interface MarkdownInfo {
  jobId: string
  /** True when the service reported a partial result. */
  partial: boolean
  reasoning: string
  usage?: Usage
  /** True when the markdown was recovered from the raw `<think>/<answer>` output. */
  recovered: boolean
  /** Present for `splitPages` conversions, in page order. */
  pages?: PageResult[]
  warnings?: string[]
}

/** Options of {@link toMarkdown}, {@link MarkdownTransform} and {@link toMarkdownStream}. */
export interface MarkdownTransformOptions extends StreamConversionParams {
  /** A client, or client options: the stream then creates its own client and closes it when it ends. */
  client: ClientOrOptions
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
