/** One call's deadline and cancellation, and which of them ended it: the caller's signal, the deadline, a close. */
import { setMaxListeners } from 'node:events'
import { setTimeout as sleepTimer } from 'node:timers/promises'
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
 * The signal of an operation that nothing can abort: shared, since it never fires. Each request in flight listens
 * to it for a while, hence no limit on listeners.
 */
const neverAborted: AbortSignal = new AbortController().signal
setMaxListeners(0, neverAborted)

/**
 * One call's deadline and cancellation: the caller's signal and the overall timeout merged into one signal,
 * with the knowledge of which of the two fired.
 *
 * The signal follows its sources and a timer of its own rather than `AbortSignal.timeout()` and
 * `AbortSignal.any()`, which cost two more signals, a timer and weak references per call and per attempt. An
 * operation with one source and no deadline simply is that source's signal (only the client's own signals are
 * used so: its close signal, a request's controller). Whoever creates an operation calls {@link Operation.end}
 * when it is over, so that its sources and timer let go of it.
 */
export class Operation {
  readonly signal: AbortSignal
  readonly startedAt: number = Date.now()
  /** Epoch milliseconds after which the call fails with TimeoutError; Infinity for none. */
  readonly deadline: number
  readonly closeSignal: AbortSignal | undefined
  readonly #userSignal: AbortSignal | undefined
  readonly #timeoutMs: number
  readonly #parent: Operation | undefined
  /** Set when the signal is this operation's own: the sources it follows, and its deadline's timer. */
  readonly #controller: AbortController | undefined
  #sources: AbortSignal[] = []
  #timer: NodeJS.Timeout | undefined

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
          for (const follower of [...following]) follower.#abort(source.reason)
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
    const sources = [userSignal, parent?.signal, this.closeSignal].filter(
      (signal, index, all): signal is AbortSignal => signal !== undefined && all.indexOf(signal) === index,
    )
    if (timeoutMs <= 0 && sources.length <= 1) {
      this.signal = sources[0] ?? neverAborted
      this.#controller = undefined
      return
    }
    const controller = new AbortController()
    this.#controller = controller
    this.signal = controller.signal
    const fired = sources.find((source) => source.aborted)
    if (fired) {
      controller.abort(fired.reason)
      return
    }
    this.#sources = sources
    for (const source of sources) Operation.#follow(source, this)
    if (timeoutMs > 0) {
      // Like AbortSignal.timeout(): the deadline alone does not keep the process alive.
      this.#timer = setTimeout(
        () => this.#abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
        timeoutMs,
      )
      this.#timer.unref()
    }
  }

  #abort(reason: unknown): void {
    this.end()
    this.#controller?.abort(reason)
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
    return this.signal.aborted
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
    return new TimeoutError(`The operation did not finish within ${this.#timeoutMs} ms`, {
      ...details,
      code: 'deadline_exceeded',
    })
  }

  throwIfAborted(jobId?: string): void {
    if (this.signal.aborted) throw this.abortError(jobId)
  }

  /**
   * Waits for `promise`, or resolves `undefined` as soon as the operation is aborted (at once when it already
   * is), leaving `promise` to run on: a call ends at its deadline whatever it was waiting for.
   */
  race<T>(promise: Promise<T>): Promise<T | undefined> {
    if (this.signal.aborted) return Promise.resolve(undefined)
    return new Promise<T | undefined>((resolve, reject) => {
      const onAbort = () => resolve(undefined)
      this.signal.addEventListener('abort', onAbort, { once: true })
      promise.then(
        (value) => {
          this.signal.removeEventListener('abort', onAbort)
          resolve(value)
        },
        (error: unknown) => {
          this.signal.removeEventListener('abort', onAbort)
          reject(error)
        },
      )
    })
  }

  /** Sleeps, or throws the abort error as soon as the operation is aborted. */
  async sleep(ms: number, jobId?: string): Promise<void> {
    this.throwIfAborted(jobId)
    if (ms <= 0) return
    try {
      await sleepTimer(ms, undefined, { signal: this.signal })
    } catch {
      throw this.abortError(jobId)
    }
  }
}
