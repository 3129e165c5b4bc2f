/** One call's deadline and cancellation, and which of them ended it: the caller's signal, the deadline, a close. */
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
 * One call's deadline and cancellation: the caller's signal and the overall timeout merged into one signal,
 * with the knowledge of which of the two fired.
 */
export class Operation {
  readonly signal: AbortSignal
  readonly startedAt: number = Date.now()
  /** Epoch milliseconds after which the call fails with TimeoutError; Infinity for none. */
  readonly deadline: number
  readonly closeSignal: AbortSignal | undefined
  readonly #userSignal: AbortSignal | undefined
  readonly #timeoutMs: number
  /** Held here so that it lives as long as the operation (the merged signal refers to it weakly). */
  readonly #timeoutSignal: AbortSignal | undefined
  readonly #parent: Operation | undefined

  constructor(options: OperationOptions = {}) {
    const { signal: userSignal, timeoutMs = 0, parent } = options
    this.#userSignal = userSignal
    this.#timeoutMs = timeoutMs
    this.#parent = parent
    this.closeSignal = options.closeSignal ?? parent?.closeSignal
    this.#timeoutSignal = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined
    const signals = [userSignal, this.#timeoutSignal, parent?.signal, this.closeSignal].filter(
      (signal) => signal !== undefined,
    )
    this.signal = signals.length === 0 ? new AbortController().signal : AbortSignal.any(signals)
    this.deadline = Math.min(
      timeoutMs > 0 ? this.startedAt + timeoutMs : Infinity,
      parent?.deadline ?? Infinity,
    )
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
