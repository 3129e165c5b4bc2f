/** What a {@link WebPair} user may do with the readable side. */
export interface PairOutput<Output> {
  /** Queues a chunk; ignored once the readable side was cancelled or errored. */
  enqueue(chunk: Output): void
  /** Queues a text in slices of at most `sliceLength` characters, as the reader pulls them. */
  enqueueText(text: string, sliceLength: number): void
  /** Room left in the readable queue (0 or less when full, or when the side is gone). */
  desiredSize(): number
  /**
   * Resolves once the text given to `enqueueText` is all queued and the reader has room for more; rejects with
   * the reason the pair stopped, if it stops first.
   */
  whenRoom(): Promise<void>
}

/** Options of {@link WebPair}. */
export interface WebPairOptions<Input, Output> {
  highWaterMark: number
  size?: (chunk: Output) => number
  write(chunk: Input, output: PairOutput<Output>): Promise<void>
  /** The input has ended: produce the rest of the output (the readable side is closed after it, once drained). */
  close(output: PairOutput<Output>): Promise<void>
  /** The reader asked for more. */
  pull?(): void
  /** Release everything; called once, on cancel, abort, error, signal, or after a normal end. */
  teardown(reason: unknown): Promise<void>
  signal?: AbortSignal | undefined
}

/**
 * A `{ readable, writable }` pair that behaves like a `TransformStream` and notices what a Node 20
 * `TransformStream` does not: the output cancelled while `close` (flush) is still at work. Every enqueue is
 * guarded, so nothing throws into `pipeTo` after a cancel, and every way of stopping calls `teardown` once.
 */
export class WebPair<Input, Output> {
  readonly stream: TransformStream<Input, Output>
  readonly #options: WebPairOptions<Input, Output>
  #readable!: ReadableStreamDefaultController<Output>
  #writable!: WritableStreamDefaultController
  /** Set once the pair stops early (cancel, abort, error, signal): nothing more goes in or out. */
  #stopped: { reason: unknown } | undefined
  #tornDown: Promise<void> | undefined
  #pending: { text: string; offset: number; sliceLength: number } | undefined
  #closeReadableWhenDrained = false
  #pumping = false
  #roomWaiters: Array<{ resolve: () => void; reject: (reason: unknown) => void }> = []
  /** The readable side's queue, for producers outside `write`/`close`. */
  readonly output: PairOutput<Output>

  constructor(options: WebPairOptions<Input, Output>) {
    this.#options = options
    this.output = {
      enqueue: (chunk) => this.#enqueue(chunk),
      enqueueText: (text, sliceLength) => {
        this.#pending = { text, offset: 0, sliceLength }
        this.#pump()
      },
      desiredSize: () => (this.#stopped === undefined ? (this.#readable.desiredSize ?? 0) : 0),
      whenRoom: () => {
        if (this.#stopped !== undefined) return Promise.reject(this.#stopped.reason)
        if (this.#hasRoom()) return Promise.resolve()
        return new Promise((resolve, reject) => this.#roomWaiters.push({ resolve, reject }))
      },
    }
    const readable = new ReadableStream<Output>(
      {
        start: (controller) => {
          this.#readable = controller
        },
        pull: () => {
          this.#pump()
          options.pull?.()
        },
        cancel: (reason) => this.#stop(reason ?? new DOMException('The output was cancelled', 'AbortError')),
      },
      options.size === undefined
        ? new CountQueuingStrategy({ highWaterMark: options.highWaterMark })
        : { highWaterMark: options.highWaterMark, size: options.size },
    )
    const writable = new WritableStream<Input>({
      start: (controller) => {
        this.#writable = controller
      },
      write: async (chunk) => {
        this.#throwIfStopped()
        try {
          await options.write(chunk, this.output)
        } catch (error) {
          await this.#stop(error)
          throw error
        }
      },
      close: async () => {
        this.#throwIfStopped()
        try {
          await options.close(this.output)
        } catch (error) {
          await this.#stop(error)
          throw error
        }
        this.#throwIfStopped()
        this.#closeReadableWhenDrained = true
        this.#pump()
      },
      abort: (reason) => this.#stop(reason),
    })
    this.stream = { readable, writable } as TransformStream<Input, Output>
    const signal = options.signal
    if (signal !== undefined) {
      const onAbort = () => void this.#stop(signal.reason)
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    }
  }

  #enqueue(chunk: Output): void {
    if (this.#stopped !== undefined) return
    try {
      this.#readable.enqueue(chunk)
    } catch {
      // The reader went away between the check and the enqueue; #stop runs from its cancel.
    }
  }

  #pump(): void {
    // An enqueue can call pull() (and so #pump) synchronously when a read is waiting: never run twice at once.
    if (this.#pumping) return
    this.#pumping = true
    try {
      this.#drain()
    } finally {
      this.#pumping = false
    }
  }

  #drain(): void {
    const pending = this.#pending
    while (pending !== undefined && this.#stopped === undefined && pending.offset < pending.text.length) {
      if ((this.#readable.desiredSize ?? 0) <= 0) return
      const start = pending.offset
      let end = Math.min(start + pending.sliceLength, pending.text.length)
      // Never split a surrogate pair across two chunks.
      if (end < pending.text.length && isHighSurrogate(pending.text.charCodeAt(end - 1))) end++
      pending.offset = end
      this.#enqueue(pending.text.slice(start, end) as Output)
    }
    this.#pending = undefined
    if (this.#roomWaiters.length > 0 && this.#hasRoom()) {
      for (const waiter of this.#roomWaiters.splice(0)) waiter.resolve()
    }
    if (this.#closeReadableWhenDrained && this.#stopped === undefined) {
      this.#closeReadableWhenDrained = false
      try {
        this.#readable.close()
      } catch {
        // Already cancelled.
      }
      this.#tornDown ??= this.#options.teardown(undefined)
    }
  }

  #hasRoom(): boolean {
    return this.#stopped === undefined && this.#pending === undefined && (this.#readable.desiredSize ?? 0) > 0
  }

  /** Stops the pair with `reason`: both sides error, `teardown` runs. Resolves once it has. */
  fail(reason: unknown): Promise<void> {
    return this.#stop(reason)
  }

  #stop(reason: unknown): Promise<void> {
    if (this.#stopped === undefined) {
      this.#stopped = { reason }
      this.#pending = undefined
      for (const waiter of this.#roomWaiters.splice(0)) waiter.reject(reason)
      for (const controller of [this.#readable, this.#writable]) {
        try {
          controller.error(reason)
        } catch {
          // That side had already ended.
        }
      }
    }
    this.#tornDown ??= this.#options.teardown(reason)
    return this.#tornDown
  }

  #throwIfStopped(): void {
    if (this.#stopped !== undefined) throw this.#stopped.reason
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}
