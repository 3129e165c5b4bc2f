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

/** A task waiting for a slot, and how to settle the promise of its caller. */
interface QueuedTask<T> {
  task: () => Promise<T>
  resolve: (value: T) => void
  reject: (error: unknown) => void
}

/** `task` with the promise its caller waits on, and the functions that settle it. */
function waitingTask<T>(task: () => Promise<T>): { promise: Promise<T>; waiting: QueuedTask<T> } {
  let resolve: (value: T) => void = () => {}
  let reject: (error: unknown) => void = () => {}
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve
    reject = onReject
  })
  return { promise, waiting: { task, resolve, reject } }
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
   *
   * p-queue keeps the functions it has started in its array until it compacts it, which it does only when the
   * queue empties or after about a hundred of them: while conversions keep waiting (a long document's page
   * ranges, a busy watcher), the function handed to it stays reachable for a hundred conversions more. So that
   * function lets go of the task and of the promise it settles as soon as it starts; otherwise each of those
   * would keep its conversion's result (the markdown and the job) and its upload alive.
   */
  run<T>(operation: Operation, task: () => Promise<T>): Promise<T> {
    operation.throwIfAborted()
    // `task` stays out of every closure here: a closure would keep it, and what it holds, alive with this scope.
    const { promise, waiting } = waitingTask(task)
    let queued: QueuedTask<T> | undefined = waiting
    const take = () => {
      const taken = queued
      queued = undefined
      return taken
    }
    const onAbort = () => take()?.reject(operation.abortError())
    operation.signal.addEventListener('abort', onAbort, { once: true })
    this.#queue
      .add(async () => {
        // Undefined when an abort already rejected it while it waited.
        const started = take()
        if (!started) return
        try {
          started.resolve(await started.task())
        } catch (error) {
          started.reject(error)
        } finally {
          operation.signal.removeEventListener('abort', onAbort)
        }
      })
      .catch((error: unknown) => take()?.reject(error))
    return promise
  }

  /** Drops the tasks still waiting (on close). */
  clear(): void {
    this.#queue.clear()
  }
}
