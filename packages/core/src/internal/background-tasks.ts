import type { Logger } from '../types.js'

/**
 * Work a call leaves behind when it ends at its deadline or on abort: cancelling its remote job, or waiting a
 * little for the job ID of an upload that was sent, to cancel that job. The call does not wait for it; nothing
 * of it can reject unhandled; `client.close()` waits for it (each task is bounded in time).
 */
export class BackgroundTasks {
  /** Jobs whose remote cancel is under way. */
  readonly cancelling: Set<string> = new Set()
  readonly #tasks = new Set<Promise<void>>()
  readonly #logger: Logger

  constructor(logger: Logger) {
    this.#logger = logger
  }

  /** Starts `task` now; a failure is logged (at `warn`), never thrown. */
  run(what: string, task: () => Promise<void>): void {
    const promise = (async () => {
      try {
        await task()
      } catch (error) {
        this.#logger.warn(`numarkdown: ${what} failed in the background`, { error })
      }
    })()
    this.#tasks.add(promise)
    void promise.then(() => this.#tasks.delete(promise))
  }

  /** Tasks still running. */
  get size(): number {
    return this.#tasks.size
  }

  /** Resolves once every task, including those started meanwhile, has ended. */
  async settled(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.all([...this.#tasks])
  }
}
