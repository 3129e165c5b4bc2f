import { addAbortSignal, Duplex } from 'node:stream'
import type { PageResult } from '@numarkdown/core'
import { DocumentConversion, resolveMarkdownOptions } from './internal/document-conversion.js'
import type { MarkdownInfo, MarkdownTransformOptions } from './types.js'

/**
 * A Duplex that takes the bytes of one document and gives its markdown (UTF-8 bytes) once the input has
 * ended, like `zlib.createGzip()` for conversions. Use it with `stream.pipeline`, which destroys every stream on
 * an error: `.pipe()` does not, and a source error would then leave the temporary file and the remote job behind.
 *
 * Events, besides the stream ones: `progress` (core's progress events: upload, submitted, status, retry, done...;
 * to the listeners there are when the conversion starts, at the end of the input)
 * and `info` ({@link MarkdownInfo}), emitted before the first byte of markdown.
 *
 * With `splitPages`, the markdown goes out range by range: page 1's as soon as it is converted, then page 2's,
 * in page order, with `pageSeparator` between them (the same text as `convert({ splitPages: true })` gives);
 * `page` (core's `PageResult`) is emitted before each range's markdown and `info` after the last one. A range is
 * taken from the conversion only once the reader has room, and a range that failed for good destroys the stream
 * with its `PageRangeError` after the ranges before it (`onPageError: 'skip'` writes a marker instead).
 *
 * Writes must be bytes (`Buffer`/`Uint8Array`); a string or an object destroys the stream with an
 * `InvalidChunkError`. Up to `spoolThresholdBytes` the input stays in memory, beyond it goes to a temporary file
 * in `spoolDirectory`, uploaded from there with a known length and deleted when the stream ends or is destroyed.
 * Destroying the stream (or aborting `signal`) aborts the conversion and cancels its remote job (in the
 * background with a client you own; before `close` with one the stream created); `close` is emitted once the
 * conversion has stopped and the temporary file is deleted.
 *
 * @example
 * await pipeline(fs.createReadStream('a.pdf'), new MarkdownTransform({ client, filename: 'a.pdf' }), fs.createWriteStream('a.md'))
 */
export class MarkdownTransform extends Duplex {
  readonly #conversion: DocumentConversion
  readonly #onInfo: ((info: MarkdownInfo) => void) | undefined
  #output: Buffer | undefined
  #offset = 0
  readonly #chunkBytes: number
  readonly #onPage: ((page: PageResult) => void) | undefined
  /** With `splitPages`: the delivery of a range waiting for the reader to take it. */
  #whenRead: (() => void) | undefined

  constructor(options: MarkdownTransformOptions) {
    const resolved = resolveMarkdownOptions(options, 'MarkdownTransform options')
    super({
      // Object mode on the writable side lets _write see (and reject clearly) strings and objects; the default
      // byte mode would throw ERR_INVALID_ARG_TYPE synchronously inside the writer.
      writableObjectMode: true,
      writableHighWaterMark: 16,
      readableHighWaterMark: resolved.highWaterMark,
      decodeStrings: false,
      allowHalfOpen: true,
    })
    this.#chunkBytes = resolved.highWaterMark
    this.#onInfo = options.onInfo
    this.#onPage = options.onPage
    this.#conversion = new DocumentConversion(
      resolved,
      (event) => {
        options.onProgress?.(event)
        this.emit('progress', event)
      },
      () => options.onProgress !== undefined || this.listenerCount('progress') > 0,
    )
    if (options.signal !== undefined) addAbortSignal(options.signal, this)
  }

  /** The temporary file the input is spooled to, while there is one. */
  get spoolPath(): string | undefined {
    return this.#conversion.spoolPath
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // A chunk held in memory needs no promise: most documents are small.
    if (this.#conversion.holdNow(chunk)) callback()
    else this.#conversion.append(chunk).then(() => callback(), callback)
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#conversion.splitPages) {
      this.#conversion
        .streamPages((text, page) => this.#deliverPage(text, page))
        .then((info) => {
          this.#onInfo?.(info)
          this.emit('info', info)
          this.push(null)
          callback()
        }, callback)
      return
    }
    this.#conversion.finish().then(({ markdown, info }) => {
      this.#output = Buffer.from(markdown, 'utf8')
      this.#onInfo?.(info)
      this.emit('info', info)
      this.#pump()
      callback()
    }, callback)
  }

  override _read(): void {
    this.#pump()
  }

  /** Writes one range out; resolves once the reader has room for the next one. */
  #deliverPage(text: string, page: PageResult): Promise<void> {
    this.#onPage?.(page)
    this.emit('page', page)
    this.#output = Buffer.from(text, 'utf8')
    this.#offset = 0
    return new Promise((resolve) => {
      this.#whenRead = resolve
      this.#pump()
    })
  }

  #pump(): void {
    const output = this.#output
    if (output === undefined || this.destroyed) return
    let more = true
    while (more && this.#offset < output.length) {
      const end = Math.min(this.#offset + this.#chunkBytes, output.length)
      more = this.push(output.subarray(this.#offset, end))
      this.#offset = end
    }
    // Held until the next _read() when the reader is full, even with the text all pushed.
    if (!more) return
    this.#output = undefined
    const whenRead = this.#whenRead
    this.#whenRead = undefined
    if (whenRead !== undefined) whenRead()
    else this.push(null)
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#output = undefined
    // A range waiting for the reader is never taken: the conversion stops on the abort below.
    this.#whenRead = undefined
    if (this.#conversion.disposeNow()) {
      callback(error)
      return
    }
    // An abort reason is only needed while the conversion runs; building one costs a stack trace.
    const reason =
      error ??
      (this.#conversion.settled ? undefined : new DOMException('The stream was destroyed', 'AbortError'))
    this.#conversion.dispose(reason).then(
      () => callback(error),
      () => callback(error),
    )
  }
}

/**
 * Creates a {@link MarkdownTransform}: document bytes in, markdown out.
 *
 * @example
 * await pipeline(fs.createReadStream('a.pdf'), toMarkdown({ client, filename: 'a.pdf' }), fs.createWriteStream('a.md'))
 */
export function toMarkdown(options: MarkdownTransformOptions): MarkdownTransform {
  return new MarkdownTransform(options)
}
