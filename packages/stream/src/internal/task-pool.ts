/** The outcome of one item. */
export type TaskOutcome<Item, Result> =
  | { input: Item; ok: true; result: Result }
  | { input: Item; ok: false; error: unknown }

/** Options of {@link TaskPool}. */
export interface TaskPoolOptions<Item, Result> {
  /** Tasks running at once. */
  concurrency: number
  /** Items running or finished and not yet taken by the consumer, at most (raised to `concurrency` when lower). */
  capacity: number
  /** Emit outcomes in input order (true) or as they finish. */
  ordered: boolean
  /** Stop at the first failure: abort the running tasks and report it through `onFatal`. */
  failFast: boolean
  /** Runs one item; must settle promptly once `signal` aborts. */
  run(item: Item, signal: AbortSignal): Promise<Result>
  /** Hands an outcome to the consumer side (a readable buffer or queue). */
  emit(outcome: TaskOutcome<Item, Result>): void
  /** Outcomes emitted and not yet taken by the consumer (the readable side's buffered count). */
  held(): number
  /** The first failure with `failFast`, or an unexpected error of the adapter. Called at most once. */
  onFatal(error: unknown, input: Item | undefined): void
}

interface Slot<Item, Result> {
  index: number
  item: Item
  outcome?: TaskOutcome<Item, Result>
}

/**
 * Runs items with bounded concurrency and a bounded number of results held ahead of the consumer, in input
 * order or as finished. `add()` resolves only once the item has started, which is how backpressure reaches the
 * producer: a writer that waits for `add()` never gets ahead of `capacity`.
 */
export class TaskPool<Item, Result> {
  readonly #options: TaskPoolOptions<Item, Result>
  readonly #capacity: number
  readonly #controller = new AbortController()
  /** Started and not yet emitted, by input index. */
  readonly #slots = new Map<number, Slot<Item, Result>>()
  readonly #running = new Set<Promise<void>>()
  #nextIndex = 0
  #nextToEmit = 0
  #waiting: { item: Item; resolve(): void; reject(error: unknown): void } | undefined
  #drained: (() => void) | undefined
  #stopped: unknown
  #isStopped = false

  constructor(options: TaskPoolOptions<Item, Result>) {
    this.#options = options
    this.#capacity = Math.max(options.capacity, options.concurrency)
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running.size
  }

  /** Starts `item` as soon as a slot is free; resolves once it has started. One pending call at a time. */
  add(item: Item): Promise<void> {
    if (this.#isStopped) return Promise.reject(this.#stopped)
    if (this.#waiting !== undefined)
      return Promise.reject(new Error('add() called while another add() waits'))
    return new Promise((resolve, reject) => {
      this.#waiting = { item, resolve, reject }
      this.poke()
    })
  }

  /** Re-checks for room; call it when the consumer has taken outcomes. */
  poke(): void {
    if (this.#isStopped) return
    const waiting = this.#waiting
    if (waiting === undefined) {
      this.#checkDrained()
      return
    }
    const active = this.#slots.size + this.#options.held()
    if (this.#running.size >= this.#options.concurrency || active >= this.#capacity) return
    this.#waiting = undefined
    this.#start(waiting.item)
    waiting.resolve()
  }

  /** Resolves once every started item has been emitted. */
  drain(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#isStopped) {
        reject(this.#stopped)
        return
      }
      this.#drained = resolve
      this.#checkDrained()
    })
  }

  /** Aborts the running tasks with `reason` and resolves once every one of them has settled. */
  async stop(reason: unknown): Promise<void> {
    if (!this.#isStopped) {
      this.#isStopped = true
      this.#stopped = reason
      this.#waiting?.reject(reason)
      this.#waiting = undefined
      this.#controller.abort(reason)
    }
    while (this.#running.size > 0) await Promise.allSettled([...this.#running])
  }

  #start(item: Item): void {
    const slot: Slot<Item, Result> = { index: this.#nextIndex++, item }
    this.#slots.set(slot.index, slot)
    const task = this.#run(slot).finally(() => {
      this.#running.delete(task)
      this.poke()
    })
    this.#running.add(task)
  }

  async #run(slot: Slot<Item, Result>): Promise<void> {
    const signal = this.#controller.signal
    let outcome: TaskOutcome<Item, Result>
    try {
      // A task that throws synchronously is a failure like any other.
      const result = await Promise.resolve().then(() => this.#options.run(slot.item, signal))
      outcome = { input: slot.item, ok: true, result }
    } catch (error) {
      outcome = { input: slot.item, ok: false, error }
    }
    if (this.#isStopped) return
    if (!outcome.ok && this.#options.failFast) {
      this.#fatal(outcome.error, slot.item)
      return
    }
    slot.outcome = outcome
    if (!this.#options.ordered) {
      this.#slots.delete(slot.index)
      this.#emit(outcome)
      return
    }
    for (
      let next = this.#slots.get(this.#nextToEmit);
      next?.outcome;
      next = this.#slots.get(this.#nextToEmit)
    ) {
      this.#slots.delete(this.#nextToEmit)
      this.#nextToEmit++
      this.#emit(next.outcome)
      if (this.#isStopped) return
    }
  }

  #emit(outcome: TaskOutcome<Item, Result>): void {
    try {
      this.#options.emit(outcome)
    } catch (error) {
      this.#fatal(error, undefined)
    }
  }

  #fatal(error: unknown, input: Item | undefined): void {
    if (this.#isStopped) return
    void this.stop(error)
    this.#options.onFatal(error, input)
  }

  #checkDrained(): void {
    if (this.#drained !== undefined && this.#slots.size === 0 && this.#waiting === undefined) {
      const drained = this.#drained
      this.#drained = undefined
      drained()
    }
  }
}
