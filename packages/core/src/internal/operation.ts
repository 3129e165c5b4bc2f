/** One call's deadline and cancellation, and which of them ended it: the caller's signal, the deadline, a close. */
import { AbortError, NuMarkdownError, TimeoutError } from '../errors.js'

/** What an operation is made of; every field may be left out. */
export interface OperationOptions {
  /** The caller's signal: its abort ends the operation with an AbortError. */
  signal?: AbortSignal | undefined
  /** The overall deadline in milliseconds from now; 0 (the default) for none. */
  timeoutMs?: number
  /** An enclosing operation: its abort and its deadline count for this one too. */
  parent?: Operation | undefined
  /**
   * Fires when the client is closed: the call ends with a `client_closed` error, and the remote job is left
   * alone (a closed client may be a process shutting down that resumes later). Inherited from `parent`.
   */
  closeSignal?: AbortSignal | undefined
}

/**
 * Calls every function in turn, even after one that throws, as an EventTarget calls its listeners; then throws
 * the first error, if any.
 */
function callEach(calls: ReadonlyArray<() => void>): void {
  let failure: { error: unknown } | undefined
  for (const call of calls) {
    try {
      call()
    } catch (error) {
      failure ??= { error }
    }
  }
  if (failure) throw failure.error
}

/**
 * What undici takes as a request's `signal` besides an AbortSignal: an EventEmitter-shaped object with `aborted`
 * and `reason` (its documented alternative). An operation is one, so a request follows it without an AbortSignal.
 */
export interface EmitterSignal {
  readonly aborted: boolean
  readonly reason: unknown
  on(event: 'abort', listener: () => void): this
  once(event: 'abort', listener: () => void): this
  removeListener(event: 'abort', listener: () => void): this
}

/**
 * One call's deadline and cancellation: the caller's signal, an enclosing operation, the client's close and the
 * overall timeout merged into one abort, with the knowledge of which of them fired.
 *
 * The abort is a flag and a list of listeners, not an AbortController: an `AbortSignal` is an EventTarget, and
 * its making, each listener added and removed, and the `Event` of its abort cost 5–20 µs apiece on a warm
 * process and several times that after a pause, on the way of every call. Requests follow the operation as an
 * {@link EmitterSignal}; a real `AbortSignal` ({@link Operation.signal}) is made only when something asks for one.
 * Each source signal gets one listener however many operations follow it. Whoever creates an operation calls
 * {@link Operation.end} when it is over, so that its sources, parent and timer let go of it.
 */
export class Operation implements EmitterSignal {
  readonly startedAt: number = Date.now()
  /** Epoch milliseconds after which the call fails with TimeoutError; Infinity for none. */
  readonly deadline: number
  readonly closeSignal: AbortSignal | undefined
  readonly #userSignal: AbortSignal | undefined
  readonly #timeoutMs: number
  readonly #parent: Operation | undefined
  #aborted = false
  #reason: unknown
  /** Called once, in order, when the operation aborts. */
  #listeners = new Set<() => void>()
  /** The AbortSignal made for whoever asked for one. */
  #signal: AbortSignal | undefined
  #sources: AbortSignal[] = []
  #timer: NodeJS.Timeout | undefined
  /** Set when the operation's own deadline ended it. */
  #timedOut = false

  /**
   * The operations that follow each source signal. A source gets one listener whatever the number of operations
   * that follow it: a caller's signal shared by many calls, or the client's close signal, would otherwise carry
   * a listener per call in flight.
   */
  static readonly #followers = new WeakMap<AbortSignal, Set<Operation>>()

  static #follow(source: AbortSignal, operation: Operation): void {
    let followers = Operation.#followers.get(source)
    if (!followers) {
      const following = new Set<Operation>()
      followers = following
      Operation.#followers.set(source, following)
      source.addEventListener(
        'abort',
        () => {
          Operation.#followers.delete(source)
          callEach([...following].map((follower) => () => follower.abort(source.reason)))
        },
        { once: true },
      )
    }
    followers.add(operation)
  }

  constructor(options: OperationOptions = {}) {
    const { signal: userSignal, timeoutMs = 0, parent } = options
    this.#userSignal = userSignal
    this.#timeoutMs = timeoutMs
    this.#parent = parent
    this.closeSignal = options.closeSignal ?? parent?.closeSignal
    this.deadline = Math.min(
      timeoutMs > 0 ? this.startedAt + timeoutMs : Infinity,
      parent?.deadline ?? Infinity,
    )
    const fired = parent?.aborted
      ? parent
      : [userSignal, this.closeSignal].find((source) => source?.aborted === true)
    if (fired) {
      this.abort(fired.reason)
      return
    }
    for (const source of [userSignal, this.closeSignal]) {
      if (source !== undefined && !this.#sources.includes(source)) this.#sources.push(source)
    }
    for (const source of this.#sources) Operation.#follow(source, this)
    if (parent !== undefined) parent.#listeners.add(this.#onParentAbort)
    if (timeoutMs > 0) {
      // Like AbortSignal.timeout(): the deadline alone does not keep the process alive.
      this.#timer = setTimeout(() => {
        this.#timedOut = true
        this.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
      }, timeoutMs)
      this.#timer.unref()
    }
  }

  readonly #onParentAbort = (): void => this.abort(this.#parent?.reason)

  /**
   * Aborts the operation with `reason` (once: a second abort changes nothing): it stops following its sources,
   * and its listeners run in the order they were added. As with an AbortSignal's listeners, one that throws does
   * not keep the others from running; its error is thrown once they all have.
   */
  abort(reason?: unknown): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#reason = reason
    this.end()
    const listeners = [...this.#listeners]
    this.#listeners.clear()
    callEach(listeners)
  }

  /** The reason given to the abort; undefined while the operation runs. */
  get reason(): unknown {
    return this.#reason
  }

  /**
   * An AbortSignal that aborts with the operation, for an API that takes nothing else (a spooling `pipeline`);
   * made on first use. The operation's own methods never need it.
   */
  get signal(): AbortSignal {
    if (this.#signal === undefined) {
      const controller = new AbortController()
      this.#signal = controller.signal
      if (this.#aborted) controller.abort(this.#reason)
      else this.#listeners.add(() => controller.abort(this.#reason))
    }
    return this.#signal
  }

  /** Calls `listener` once when the operation aborts (at once if it has); returns what removes it. */
  onAbort(listener: () => void): () => void {
    if (this.#aborted) {
      listener()
      return () => {}
    }
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  on(_event: 'abort', listener: () => void): this {
    if (!this.#aborted) this.#listeners.add(listener)
    return this
  }

  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener)
  }

  removeListener(_event: 'abort', listener: () => void): this {
    this.#listeners.delete(listener)
    return this
  }

  /**
   * The operation is over: its signal stops following its sources and its deadline (it keeps its state: an
   * operation that was aborted stays aborted). Safe to call twice.
   */
  end(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    for (const source of this.#sources) Operation.#followers.get(source)?.delete(this)
    this.#sources = []
    if (this.#parent !== undefined) this.#parent.#listeners.delete(this.#onParentAbort)
  }

  /** True when the call ended because the client was closed. */
  get closed(): boolean {
    return this.closeSignal?.aborted ?? false
  }

  elapsedMs(): number {
    return Date.now() - this.startedAt
  }

  remainingMs(): number {
    return this.deadline - Date.now()
  }

  get aborted(): boolean {
    return this.#aborted
  }

  /** The error that stands for the abort: AbortError for the caller's signal, TimeoutError for the deadline. */
  abortError(jobId?: string): NuMarkdownError {
    const details = jobId === undefined ? {} : { jobId }
    if (this.closed)
      return new NuMarkdownError('The client was closed', { ...details, code: 'client_closed' })
    if (this.#parent?.aborted) return this.#parent.abortError(jobId)
    if (this.#userSignal?.aborted) {
      return new AbortError('The operation was aborted', {
        ...details,
        code: 'aborted',
        cause: this.#userSignal.reason,
      })
    }
    if (this.#aborted && !this.#timedOut) {
      // Aborted by its owner (`abort()`), as a request is when its call gives up on it.
      return new AbortError('The operation was aborted', { ...details, code: 'aborted', cause: this.#reason })
    }
    return new TimeoutError(`The operation did not finish within ${this.#timeoutMs} ms`, {
      ...details,
      code: 'deadline_exceeded',
    })
  }

  throwIfAborted(jobId?: string): void {
    if (this.#aborted) throw this.abortError(jobId)
  }

  /**
   * Waits for `promise`, or resolves `undefined` as soon as the operation is aborted (at once when it already
   * is), leaving `promise` to run on: a call ends at its deadline whatever it was waiting for.
   */
  race<T>(promise: Promise<T>): Promise<T | undefined> {
    if (this.#aborted) return Promise.resolve(undefined)
    return new Promise<T | undefined>((resolve, reject) => {
      const onAbort = () => resolve(undefined)
      this.#listeners.add(onAbort)
      promise.then(
        (value) => {
          this.#listeners.delete(onAbort)
          resolve(value)
        },
        (error: unknown) => {
          this.#listeners.delete(onAbort)
          reject(error)
        },
      )
    })
  }

  /** Sleeps, or throws the abort error as soon as the operation is aborted. */
  async sleep(ms: number, jobId?: string): Promise<void> {
    this.throwIfAborted(jobId)
    if (ms <= 0) return
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer)
        this.#listeners.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      this.#listeners.add(wake)
    })
    this.throwIfAborted(jobId)
  }
}
