/**
 * The loader converts many documents at once but must hand them over in input order, without running ahead of a
 * slow consumer, and must leave nothing working once the iteration ends. p-map's `pMapIterable` keeps the order
 * and bounds both the tasks running and the results held; this adds the one thing it lacks: an abort signal for
 * the tasks, fired (and the tasks awaited) when the consumer stops early or the caller's signal aborts.
 */
import { pMapIterable } from 'p-map'

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

/**
 * Runs `task` over `items` with at most `concurrency` tasks running at once and yields their results in input
 * order, each as soon as it and every earlier one are done. A task that rejects makes the iteration throw at that
 * task's turn. When the consumer stops early (break, throw) or `signal` aborts, the running tasks are aborted
 * through the signal they were given and awaited, so nothing keeps working after the iteration ended.
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
  const running = new Set<Promise<unknown>>()
  const results = pMapIterable(
    items,
    (item, index) => {
      controller.signal.throwIfAborted()
      const result = task(item, index, controller.signal)
      const settled: Promise<boolean> = result.then(
        () => running.delete(settled),
        () => running.delete(settled),
      )
      running.add(settled)
      return result
    },
    { concurrency, backpressure: window },
  )
  try {
    // The mapper never returns p-map's skip or stop markers, so every value is a task's result.
    yield* results as AsyncIterable<Result>
  } finally {
    signal?.removeEventListener('abort', forwardAbort)
    if (running.size > 0) {
      if (!controller.signal.aborted) controller.abort(new Error('The iteration ended early'))
      await Promise.all(running)
    }
  }
}
