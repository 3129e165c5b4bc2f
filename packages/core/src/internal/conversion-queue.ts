/** The client's one concurrency limit (p-queue), shared by every caller and lowered for a while after a 429. */
import PQueue from 'p-queue'
import type { Operation } from './operation.js'

/**
 * Additive-increase, multiplicative-decrease on the client's queue: a 429 halves the conversions allowed in
 * flight (never below 1), and each success afterwards gives one slot back until the configured limit.
 */
export class AdaptiveLimit {
  readonly #queue: PQueue
  readonly #limit: number
  #successes = 0

  constructor(queue: PQueue, limit: number) {
    this.#queue = queue
    this.#limit = limit
  }

  get current(): number {
    return this.#queue.concurrency
  }

  rateLimited(): void {
    this.#successes = 0
    this.#queue.concurrency = Math.max(1, Math.floor(this.#queue.concurrency / 2))
  }

  succeeded(): void {
    if (this.#queue.concurrency >= this.#limit) return
    // Grow by one slot per `current` successes: one step per "round" of requests at the lowered rate.
    if (++this.#successes >= this.#queue.concurrency) {
      this.#successes = 0
      this.#queue.concurrency = Math.min(this.#limit, this.#queue.concurrency + 1)
    }
  }
}

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
