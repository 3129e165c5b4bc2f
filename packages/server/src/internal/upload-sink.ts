/**
 * Where the bytes of an upload's file part go as they arrive: memory while the upload is small and the memory budget
 * allows, else a temporary file (what was held so far written first), hashed and counted on the way. Small uploads
 * then never touch the disk; large ones never sit in memory.
 */
import { createHash, type Hash, randomUUID } from 'node:crypto'
import { type FileHandle, open } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { MemoryBudget } from './memory-budget.js'

export interface UploadSinkOptions {
  /** Where the temporary file goes. */
  directory: string
  /** Uploads up to this size stay in memory, within `budget`; 0 spools every upload. */
  memoryBytes: number
  /** What uploads held in memory may take in all. */
  budget: MemoryBudget
}

/**
 * Where the bytes of the file part go: memory while the upload is small and the budget allows, then a temporary
 * file (what was held so far written first). Hashes and counts on the way.
 */
export class UploadSink extends Writable {
  readonly hash: Hash = createHash('sha256')
  size = 0
  /** Set once the upload went to disk. */
  path: string | undefined
  readonly #options: UploadSinkOptions
  #chunks: Buffer[] = []
  #reserved = 0
  #file: FileHandle | undefined

  constructor(options: UploadSinkOptions) {
    super()
    this.#options = options
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#take([chunk], callback)
  }

  override _writev(
    entries: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.#take(
      entries.map((entry) => entry.chunk),
      callback,
    )
  }

  /** Hash and count `chunks`; keep them in memory while the upload is small, else write them (one call). */
  #take(chunks: Buffer[], callback: (error?: Error | null) => void): void {
    const toDisk: Buffer[] = []
    for (const chunk of chunks) {
      this.hash.update(chunk)
      this.size += chunk.length
      if (this.path === undefined) {
        if (this.size <= this.#options.memoryBytes && this.#options.budget.reserve(chunk.length)) {
          this.#reserved += chunk.length
          this.#chunks.push(chunk)
          continue
        }
        this.path = join(this.#options.directory, `numarkdown-upload-${randomUUID()}`)
        toDisk.push(...this.#chunks)
        this.#releaseMemory()
      }
      toDisk.push(chunk)
    }
    if (toDisk.length === 0) callback()
    else this.#toFile(toDisk).then(() => callback(), callback)
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.#file) {
      callback()
      return
    }
    const file = this.#file
    this.#file = undefined
    file.close().then(() => callback(), callback)
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A sink that finished is destroyed too (autoDestroy): its bytes are the upload, kept for `takeBytes()`.
    if (error !== null || !this.writableFinished) this.#releaseMemory()
    const file = this.#file
    this.#file = undefined
    if (!file) {
      callback(error)
      return
    }
    file.close().then(
      () => callback(error),
      () => callback(error),
    )
  }

  /** The bytes held in memory; their share of the budget stays taken until the job lets go of them. */
  takeBytes(): Buffer {
    const bytes = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks)
    this.#chunks = []
    this.#reserved = 0
    return bytes
  }

  async #toFile(chunks: Buffer[]): Promise<void> {
    this.#file ??= await open(this.path!, 'w')
    let pending = chunks
    // A write may take fewer bytes than given (a signal, a nearly full disk): what is left goes again.
    while (pending.length > 0) {
      const { bytesWritten } = await this.#file.writev(pending)
      pending = unwritten(pending, bytesWritten)
    }
  }

  /** Drop the bytes held in memory and give their share of the budget back (an upload that was refused). */
  discard(): void {
    this.#releaseMemory()
  }

  #releaseMemory(): void {
    this.#options.budget.release(this.#reserved)
    this.#reserved = 0
    this.#chunks = []
  }
}

/** What is left of `chunks` once their first `written` bytes are on disk. */
function unwritten(chunks: Buffer[], written: number): Buffer[] {
  let skip = written
  let index = 0
  while (index < chunks.length && skip >= chunks[index]!.length) {
    skip -= chunks[index]!.length
    index += 1
  }
  const rest = chunks.slice(index)
  if (skip > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(skip)
  return rest
}
