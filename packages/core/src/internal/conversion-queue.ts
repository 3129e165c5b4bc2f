import PQueue from 'p-queue'
import { AdaptiveLimit } from './adaptive-limit.js'
import type { Operation } from './operation.js'

/** The one concurrency limit of a client, shared by every caller, lowered for a while after a 429. */
export class ConversionQueue {
  readonly limit: AdaptiveLimit
  readonly #queue: PQueue

  constructor(concurrency: number) {
    this.#queue = new PQueue({ concurrency })
    this.limit = new AdaptiveLimit(this.#queue, concurrency)
  }

  /**
   * Runs `task` under the limit. An abort while queued rejects at once; once running, the task handles the
   * abort itself (it ends at once too, and leaves the remote cancel to the client's background tasks).
   */
  run<T>(operation: Operation, task: () => Promise<T>): Promise<T> {
    operation.throwIfAborted()
    return new Promise<T>((resolve, reject) => {
      let started = false
      const onAbort = () => {
        if (!started) reject(operation.abortError())
      }
      operation.signal.addEventListener('abort', onAbort, { once: true })
      this.#queue
        .add(async () => {
          if (operation.aborted) return
          started = true
          try {
            resolve(await task())
          } catch (error) {
            reject(error)
          } finally {
            operation.signal.removeEventListener('abort', onAbort)
          }
        })
        .catch(reject)
    })
  }

  /** Drops the tasks still waiting (on close). */
  clear(): void {
    this.#queue.clear()
  }
}
