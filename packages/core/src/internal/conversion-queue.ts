/**
 * The client's one concurrency limit, shared by every caller and lowered for a while after a 429.
 *
 * Written here rather than taken from p-queue: a conversion that finds a free slot (the common case) starts at
 * once, with nothing around it, and only a waiting one listens for its abort. Measured on a 2-core VM after 50 ms
 * idle (a client between conversions): `PQueue.add` of an empty task 74 µs (its events and priority queue), an
 * abort listener added and removed 48 µs, a plain async call 9 µs; all of it is on the way to the first byte.
 */
import type { Operation } from './operation.js'

/** What {@link AdaptiveLimit} turns: how many tasks may run at once. */
interface Slots {
  concurrency: number
}

/**
 * Additive-increase, multiplicative-decrease on the client's queue: a 429 halves the conversions allowed in
 * flight (never below 1), and each success afterwards gives one slot back until the configured limit.
 */
export class AdaptiveLimit {
  readonly #slots: Slots
  readonly #limit: number
  #successes = 0

  constructor(slots: Slots, limit: number) {
    this.#slots = slots
    this.#limit = limit
  }

  get current(): number {
    return this.#slots.concurrency
  }

  rateLimited(): void {
    this.#successes = 0
    this.#slots.concurrency = Math.max(1, Math.floor(this.#slots.concurrency / 2))
  }

  succeeded(): void {
    if (this.#slots.concurrency >= this.#limit) return
    // Grow by one slot per `current` successes: one step per "round" of requests at the lowered rate.
    if (++this.#successes >= this.#slots.concurrency) {
      this.#successes = 0
      this.#slots.concurrency = Math.min(this.#limit, this.#slots.concurrency + 1)
    }
  }
}

/** A task waiting for a slot: `start` runs it, once; undefined once it started or was given up. */
interface Waiting {
  start: (() => void) | undefined
}

/** The one concurrency limit of a client, shared by every caller, lowered for a while after a 429. */
export class ConversionQueue {
  readonly limit: AdaptiveLimit
  #concurrency: number
  #running = 0
  /** First come, first served. An aborted task stays in place, emptied, until its turn comes. */
  readonly #waiting: Waiting[] = []
  /** Where the next task to start sits in `#waiting` (the array is compacted as the front empties). */
  #head = 0

  constructor(concurrency: number) {
    this.#concurrency = concurrency
    this.limit = new AdaptiveLimit(this, concurrency)
  }

  /** How many tasks may run at once; raising it starts waiting tasks at once. */
  get concurrency(): number {
    return this.#concurrency
  }

  set concurrency(value: number) {
    this.#concurrency = value
    this.#startWaiting()
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running
  }

  /** Tasks waiting for a slot (aborted ones not counted). */
  get waiting(): number {
    let count = 0
    for (let index = this.#head; index < this.#waiting.length; index++) {
      if (this.#waiting[index]!.start !== undefined) count++
    }
    return count
  }

  /**
   * Runs `task` under the limit: at once when a slot is free and no one waits, else in turn. An abort while
   * waiting rejects at once (the task never starts); once running, the task handles the abort itself (it ends at
   * once too, and leaves the remote cancel to the client's background tasks).
   *
   * A waiting task's closure is dropped as soon as it starts or is given up, so that nothing it holds (an upload,
   * a result) stays reachable through the queue while other conversions keep waiting.
   */
  run<T>(operation: Operation, task: () => Promise<T>): Promise<T> {
    operation.throwIfAborted()
    if (this.#running < this.#concurrency && this.#head === this.#waiting.length) return this.#start(task)
    return new Promise<T>((resolve, reject) => {
      const waiting: Waiting = {
        start: () => {
          stopListening()
          this.#start(task).then(resolve, reject)
        },
      }
      const stopListening = operation.onAbort(() => {
        if (waiting.start === undefined) return
        waiting.start = undefined
        reject(operation.abortError())
      })
      this.#waiting.push(waiting)
    })
  }

  /**
   * Drops the tasks still waiting: none of them will start. Their calls end by their abort (on close, the close's,
   * which the client fires next): each still listens for it.
   */
  clear(): void {
    this.#waiting.length = 0
    this.#head = 0
  }

  async #start<T>(task: () => Promise<T>): Promise<T> {
    this.#running++
    try {
      return await task()
    } finally {
      this.#running--
      this.#startWaiting()
    }
  }

  #startWaiting(): void {
    while (this.#running < this.#concurrency && this.#head < this.#waiting.length) {
      const next = this.#waiting[this.#head]!
      this.#head++
      const start = next.start
      next.start = undefined
      start?.()
    }
    if (this.#head === this.#waiting.length) {
      this.#waiting.length = 0
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting.splice(0, this.#head)
      this.#head = 0
    }
  }
}
