/**
 * A spooled upload must stay on disk for as long as anything may still read it: its job until the job is settled,
 * and the engine until its `convert()` call has returned (a job that times out is settled at once, while the
 * engine may still be between two reads of the file). Each holder takes a lease; the last one to let go removes
 * the file.
 */
import { rm } from 'node:fs/promises'

export class UploadLease {
  readonly path: string
  #holders = 1
  #removal: Promise<void> | undefined

  /** The creator holds the first lease. */
  constructor(path: string) {
    this.path = path
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

  /** Give back one lease; the file is removed when none is left. */
  release(): void {
    this.#holders -= 1
    if (this.#holders <= 0) this.remove()
  }

  /** Remove the file now, whoever still holds a lease (the server is closing and the engine did not stop). */
  remove(): Promise<void> {
    this.#removal ??= rm(this.path, { force: true }).catch(() => {})
    return this.#removal
  }

  /** Resolves once the file is gone, or undefined while it is still held. */
  get removal(): Promise<void> | undefined {
    return this.#removal
  }
}
