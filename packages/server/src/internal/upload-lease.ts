/**
 * An upload must stay on disk (or in memory) for as long as anything may still read it: its job until the job is
 * settled, and the engine until its `convert()` call has returned (a job that times out is settled at once, while
 * the engine may still be between two reads of the file). Each holder takes a lease; the last one to let go
 * removes the file, or drops the bytes held in memory and gives their share of the memory budget back.
 */
import { rm } from 'node:fs/promises'
import type { EngineDocument } from '../types.js'
import type { MemoryBudget } from './memory-budget.js'

export class UploadLease {
  readonly #document: EngineDocument
  readonly #budget: MemoryBudget | undefined
  #holders = 1
  #removal: Promise<void> | undefined

  /** The creator holds the first lease. `budget` is what an upload held in memory was counted against. */
  constructor(document: EngineDocument, budget?: MemoryBudget) {
    this.#document = document
    this.#budget = budget
  }

  /** Where the upload is, for messages. */
  get path(): string {
    return this.#document.path ?? `(in memory) ${this.#document.filename}`
  }

  /** Take one more lease; the function it returns gives it back (calling it again does nothing). */
  acquire(): () => void {
    if (this.#removal) throw new Error(`The upload ${this.path} was already removed`)
    this.#holders += 1
    let released = false
    return () => {
      if (released) return
      released = true
      this.release()
    }
  }

  /** Give back one lease; the upload is removed when none is left. */
  release(): void {
    this.#holders -= 1
    if (this.#holders <= 0) this.remove()
  }

  /** Remove the upload now, whoever still holds a lease (the server is closing and the engine did not stop). */
  remove(): Promise<void> {
    if (this.#removal) return this.#removal
    const { path, bytes } = this.#document
    if (bytes !== undefined) {
      // The job record outlives its job by `jobTtlMs`: it must not keep the bytes that long.
      delete this.#document.bytes
      this.#budget?.release(bytes.length)
    }
    this.#removal = path === undefined ? Promise.resolve() : rm(path, { force: true }).catch(() => {})
    return this.#removal
  }

  /** Resolves once the upload is gone, or undefined while it is still held. */
  get removal(): Promise<void> | undefined {
    return this.#removal
  }
}
