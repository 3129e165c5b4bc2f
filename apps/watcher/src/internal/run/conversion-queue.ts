import { setMaxListeners } from 'node:events'
import PQueue from 'p-queue'
import type { Display } from '../../types.js'
import { settlesWithin } from './bounded-wait.js'

/** How long to wait, after aborting, for conversions to record that they were left for the next start. */
const abortSettleMs = 5000

/** Conversions run outside this queue (a cluster's queue jobs) that a shutdown waits for too. */
export interface ConversionsElsewhere {
  /** Resolves once they have all ended. */
  ended: Promise<unknown>
  /** How many are running now. */
  running(): number
}

/**
 * Conversions waiting for a slot or running, and how they are stopped. `concurrency` bounds the jobs at the
 * service; a conversion holds one of those slots only from its submit to its result. Reading, checking and
 * hashing a document, the journal's record before the submit, and writing the outputs after the result are
 * done outside it, for up to as many documents again: the service is given the next document as soon as one
 * ends, instead of waiting each time for the file system and the fsyncs around a job.
 */
export class ConversionQueue {
  /** Documents being converted, with their reading ahead and their output writing: twice `concurrency`. */
  readonly #queue: PQueue
  /** Jobs at the service: `concurrency`. */
  readonly #atService: PQueue
  /** Set by `clear()`: a conversion that has not reached the service yet is left for the next start. */
  #closed = false
  readonly #inFlight = new Set<Promise<void>>()
  /** Ends of the tasks not started yet: `clear()` drops such tasks, and must end their waits too. */
  readonly #waiting = new Set<() => void>()
  readonly #shutdown = new AbortController()

  /** `onNext`: called each time a conversion ends (a moment to check whether a `--once` run is done). */
  constructor(concurrency: number, onNext: () => void) {
    this.#queue = new PQueue({ concurrency: concurrency * 2 })
    this.#atService = new PQueue({ concurrency })
    this.#queue.on('next', onNext)
    // Each conversion running listens to the shutdown signal (its requests and its wait): up to a few per
    // conversion slot is expected, more would be a leak worth the warning.
    setMaxListeners(Math.max(10, concurrency * 8), this.#shutdown.signal)
  }

  /** Aborted once the grace period of a shutdown is over. */
  get signal(): AbortSignal {
    return this.#shutdown.signal
  }

  /** Conversions running now. */
  get running(): number {
    return this.#queue.pending
  }

  /** True while anything is queued or running. */
  get busy(): boolean {
    return this.#queue.size > 0 || this.#queue.pending > 0
  }

  /**
   * Queue `task`; its errors are its own to report. Tasks not started are dropped by {@link clear} at
   * shutdown, not by a listener each on the shutdown signal (a thousand files queued would be a thousand).
   */
  add(task: () => Promise<void>): void {
    let end!: () => void
    const ended = new Promise<void>((resolve) => {
      end = resolve
    })
    this.#waiting.add(end)
    this.#queue
      .add(async () => {
        this.#waiting.delete(end)
        await task()
      })
      .catch(() => {})
      .finally(end)
    this.#inFlight.add(ended)
    void ended.then(() => this.#inFlight.delete(ended))
  }

  /**
   * Run `exchange` (a submit and the wait for its result, or the wait for a job resumed) in one of the
   * `concurrency` slots at the service, in the order asked. Rejects with an `AbortError` when the run is
   * stopping by the time a slot is free: what has not reached the service is left for the next start.
   */
  atService<T>(exchange: () => Promise<T>): Promise<T> {
    return this.#atService.add(() => {
      if (this.#closed) {
        throw new DOMException('stopping: the document is converted on the next start', 'AbortError')
      }
      return exchange()
    })
  }

  /** Drop the conversions that have not started, and keep those not at the service yet from reaching it. */
  clear(): void {
    this.#closed = true
    this.#queue.clear()
    for (const end of this.#waiting) end()
    this.#waiting.clear()
  }

  /**
   * Let running conversions finish within `graceMs`, then abort the rest: their jobs stay `submitted` in the
   * journal and are resumed on the next start. Told on `display`, when given.
   */
  async drain(graceMs: number, display?: Display, elsewhere?: ConversionsElsewhere): Promise<void> {
    await settlesWithin(Promise.all([this.#queue.onIdle(), elsewhere?.ended]), graceMs)
    const inFlight = this.#queue.pending + (elsewhere?.running() ?? 0)
    if (inFlight > 0) {
      display?.log('warn', 'grace period over: remote jobs still running are resumed on the next start', {
        inFlight,
      })
    }
    this.#shutdown.abort()
    await settlesWithin(Promise.allSettled([...this.#inFlight]), abortSettleMs)
  }
}
