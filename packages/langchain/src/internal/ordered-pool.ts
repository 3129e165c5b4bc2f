/** What {@link orderedPool} needs to know. */
export interface OrderedPoolOptions {
  /** Tasks running at once, at least 1. */
  concurrency: number
  /**
   * Tasks started but not yet handed to the consumer (running or finished early), at least `concurrency`.
   * Bounds the memory a slow consumer or one slow early task can make the pool hold.
   */
  window: number
  /** Stops starting tasks and aborts the running ones. */
  signal?: AbortSignal
}

type Outcome<Result> = { ok: true; value: Result } | { ok: false; error: unknown }

/**
 * Runs `task` over `items` with at most `concurrency` tasks running at once and yields their results in input
 * order, each as soon as it and every earlier one are done. A task that rejects makes the iteration throw at that
 * task's turn. When the consumer stops early (break, throw) or `signal` aborts, the running tasks are aborted
 * through the signal they were given and awaited, so nothing keeps working after the iteration ended.
 *
 * New tasks are started from the completion of earlier ones, not from the consumer's pulls, so conversions go on
 * while the consumer handles a result; `window` caps how far ahead of the consumer they may get.
 */
export async function* orderedPool<Item, Result>(
  items: readonly Item[],
  task: (item: Item, index: number, signal: AbortSignal) => Promise<Result>,
  options: OrderedPoolOptions,
): AsyncGenerator<Result, void, undefined> {
  const { concurrency, window, signal } = options
  signal?.throwIfAborted()
  const controller = new AbortController()
  const forwardAbort = (): void => controller.abort(signal?.reason)
  signal?.addEventListener('abort', forwardAbort, { once: true })

  const outcomes = new Map<number, Promise<Outcome<Result>>>()
  let started = 0
  let running = 0
  let handedOver = 0

  const launch = (): void => {
    while (
      !controller.signal.aborted &&
      started < items.length &&
      running < concurrency &&
      started - handedOver < window
    ) {
      const index = started++
      running++
      const outcome = (async (): Promise<Outcome<Result>> => {
        try {
          return { ok: true, value: await task(items[index] as Item, index, controller.signal) }
        } catch (error) {
          return { ok: false, error }
        } finally {
          running--
          launch()
        }
      })()
      outcomes.set(index, outcome)
    }
  }

  try {
    launch()
    for (let index = 0; index < items.length; index++) {
      const pending = outcomes.get(index)
      if (pending === undefined) {
        // Only an abort stops the pool from having started the task whose turn it is.
        controller.signal.throwIfAborted()
        throw new Error(`orderedPool: task ${index} was never started`)
      }
      const outcome = await pending
      outcomes.delete(index)
      handedOver = index + 1
      launch()
      if (!outcome.ok) throw outcome.error
      yield outcome.value
    }
  } finally {
    signal?.removeEventListener('abort', forwardAbort)
    if (outcomes.size > 0) {
      if (!controller.signal.aborted) controller.abort(new Error('The iteration ended early'))
      await Promise.all(outcomes.values())
    }
  }
}
