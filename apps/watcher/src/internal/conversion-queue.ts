import { setTimeout as sleep } from 'node:timers/promises'
import PQueue from 'p-queue'
import type { Display } from '../display.js'

/** How long to wait, after aborting, for conversions to record that they were left for the next start. */
const ABORT_SETTLE_MS = 5000

/** Conversions waiting for a slot or running, and how they are stopped. */
export class ConversionQueue {
  private readonly queue: PQueue
  private readonly inFlight = new Set<Promise<void>>()
  private readonly shutdown = new AbortController()

  /** `onNext`: called each time a conversion ends (a moment to check whether a `--once` run is done). */
  constructor(concurrency: number, onNext: () => void) {
    this.queue = new PQueue({ concurrency })
    this.queue.on('next', onNext)
  }

  /** Aborted once the grace period of a shutdown is over. */
  get signal(): AbortSignal {
    return this.shutdown.signal
  }

  /** Conversions running now. */
  get running(): number {
    return this.queue.pending
  }

  /** True while anything is queued or running. */
  get busy(): boolean {
    return this.queue.size > 0 || this.queue.pending > 0
  }

  /** Queue `task`; its errors are its own to report. */
  add(task: () => Promise<void>): void {
    const added = this.queue.add(task, { signal: this.shutdown.signal }).catch(() => {})
    const settled = added.finally(() => this.inFlight.delete(settled))
    this.inFlight.add(settled)
  }

  /** Drop the conversions that have not started. */
  clear(): void {
    this.queue.clear()
  }

  /**
   * Let running conversions finish within `graceMs`, then abort the rest: their jobs stay `submitted` in the
   * journal and are resumed on the next start.
   */
  async drain(graceMs: number, display: Display): Promise<void> {
    const idle = this.queue.onIdle()
    const grace = sleep(graceMs, undefined, { ref: false })
    await Promise.race([idle, grace])
    if (this.queue.pending > 0) {
      display.log('warn', 'grace period over: remote jobs still running are resumed on the next start', {
        inFlight: this.queue.pending,
      })
    }
    this.shutdown.abort()
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      sleep(ABORT_SETTLE_MS, undefined, { ref: false }),
    ])
  }
}
