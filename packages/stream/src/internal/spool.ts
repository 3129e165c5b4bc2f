import { randomUUID } from 'node:crypto'
import { type FileHandle, open, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The collected document: bytes in memory, or the path of the spool file and its length. */
export type SpooledDocument =
  | { kind: 'memory'; bytes: Uint8Array; size: number }
  | { kind: 'file'; path: string; size: number }

/** Options of {@link Spool}. */
export interface SpoolOptions {
  /** Inputs larger than this many bytes go to a temporary file. */
  thresholdBytes: number
  /**
   * Where the temporary file is created; `os.tmpdir()` when left out, looked up only when a file is created
   * (it reads three environment variables, which every small document would pay for nothing).
   */
  directory?: string | undefined
}

/**
 * Collects the bytes of one document: in memory while small, in a temporary file once larger than the
 * threshold, so that a large document never sits whole in memory. `dispose()` deletes the file whatever state
 * the spool is in (even with a write still pending), and is safe to call more than once.
 */
export class Spool {
  readonly #options: SpoolOptions
  #chunks: Uint8Array[] = []
  #size = 0
  #handle: FileHandle | undefined
  #path: string | undefined
  /** The operation under way (a write, opening or closing the file), which `dispose()` waits for. */
  #pending: Promise<unknown> = Promise.resolve()
  #sealed = false
  #disposed: Promise<void> | undefined

  constructor(options: SpoolOptions) {
    this.#options = options
  }

  /** Bytes collected so far. */
  get size(): number {
    return this.#size
  }

  /** The temporary file, once the input has grown past the threshold (and until it is disposed of). */
  get path(): string | undefined {
    return this.#path
  }

  /**
   * Adds bytes at once when they stay in memory, and returns true; returns false, holding nothing, when they must
   * go through {@link append} (past the threshold, or the spool is sealed or disposed of). A small document then
   * costs no promise per chunk.
   */
  holdNow(chunk: Uint8Array): boolean {
    if (this.#path !== undefined || this.#sealed || this.#disposed !== undefined) return false
    if (this.#size + chunk.byteLength > this.#options.thresholdBytes) return false
    this.#size += chunk.byteLength
    this.#chunks.push(chunk)
    return true
  }

  /** Adds bytes; resolves once they are held (in memory or written to the file). One call at a time. */
  append(chunk: Uint8Array): Promise<void> {
    const operation = this.#append(chunk)
    this.#pending = operation.catch(() => {})
    return operation
  }

  async #append(chunk: Uint8Array): Promise<void> {
    this.#assertOpen()
    this.#size += chunk.byteLength
    if (this.#handle === undefined && this.#size <= this.#options.thresholdBytes) {
      this.#chunks.push(chunk)
      return
    }
    if (this.#handle === undefined) {
      const path = join(this.#options.directory ?? tmpdir(), `numarkdown-${randomUUID()}.spool`)
      // Record the path before opening so that a dispose racing with open() still deletes the file.
      this.#path = path
      this.#handle = await open(path, 'wx', 0o600)
      this.#assertOpen()
      const held = this.#chunks
      this.#chunks = []
      if (held.length > 0) await this.#handle.writev(held)
    }
    await writeFully(this.#handle, chunk)
  }

  /**
   * Ends collection at once when the document is in memory and returns it; returns undefined, changing nothing,
   * when it went to a file (then {@link seal} waits for its writes and closes it).
   */
  sealInMemory(): SpooledDocument | undefined {
    if (this.#path !== undefined) return undefined
    this.#assertOpen()
    this.#sealed = true
    return this.#takeMemory()
  }

  #takeMemory(): SpooledDocument {
    const bytes = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks)
    this.#chunks = []
    return { kind: 'memory', bytes, size: this.#size }
  }

  /** Ends collection and returns the document. No more `append()` after this. */
  async seal(): Promise<SpooledDocument> {
    await this.#pending
    this.#assertOpen()
    this.#sealed = true
    if (this.#handle === undefined) return this.#takeMemory()
    const handle = this.#handle
    this.#handle = undefined
    const closing = handle.close()
    this.#pending = closing.catch(() => {})
    await closing
    return { kind: 'file', path: this.#path!, size: this.#size }
  }

  /** Releases the memory and deletes the temporary file. Never rejects. */
  dispose(): Promise<void> {
    this.#disposed ??= this.#dispose()
    return this.#disposed
  }

  async #dispose(): Promise<void> {
    this.#chunks = []
    await this.#pending
    const handle = this.#handle
    this.#handle = undefined
    await handle?.close().catch(() => {})
    const path = this.#path
    this.#path = undefined
    if (path !== undefined) await unlink(path).catch(() => {})
  }

  #assertOpen(): void {
    if (this.#disposed !== undefined) throw new Error('the spool was disposed of')
    if (this.#sealed) throw new Error('the spool was sealed')
  }
}

async function writeFully(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset)
    offset += bytesWritten
  }
}
