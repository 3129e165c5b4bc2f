/**
 * Page by page, one document gives many results over time, and the first of them must reach the consumer while
 * the rest still convert. `orderedPool` hands over one result per item, once the item is done; this runs up to
 * `concurrency` items at once, each an async iterable, and yields every result of the first item as it arrives,
 * then those of the next (held meanwhile), in input order. An item's iterable is read only while fewer than
 * `buffer` of its results wait for the consumer, so a slow consumer holds the items back (their own bounds, such
 * as the window of ranges `convertPages()` runs ahead, then apply) instead of results piling up here. Stopping
 * early aborts every item still running and waits for it, so nothing keeps working after the iteration ended.
 */

/** What {@link orderedStreams} needs to know. */
export interface OrderedStreamsOptions {
  /** Items running at once, at least 1. */
  concurrency: number
  /** Results of one item held for the consumer before its iterable is read further, at least 1. */
  buffer: number
  /** Stops starting items and aborts the running ones. */
  signal?: AbortSignal
}

/** One item's results so far, and how it ended. */
interface Entry<Result> {
  results: Result[]
  ended: boolean
  failure: { error: unknown } | undefined
  /** Wakes the consumer waiting on this item. */
  wake: (() => void) | undefined
  /** Wakes the item waiting for the consumer to take a result. */
  room: (() => void) | undefined
  running: Promise<void>
}

/**
 * Runs `open` over `items`, at most `concurrency` at once, and yields their results in input order: an item's
 * results as soon as they come once every earlier item has ended. An item whose iterable throws makes the
 * iteration throw at its turn, after the results it gave before.
 */
export async function* orderedStreams<Item, Result>(
  items: readonly Item[],
  open: (item: Item, index: number, signal: AbortSignal) => AsyncIterable<Result>,
  options: OrderedStreamsOptions,
): AsyncGenerator<Result, void, undefined> {
  const { concurrency, buffer, signal } = options
  signal?.throwIfAborted()
  const controller = new AbortController()
  const forwardAbort = (): void => controller.abort(signal?.reason)
  signal?.addEventListener('abort', forwardAbort, { once: true })
  const entries: Entry<Result>[] = []
  const makeRoom = (entry: Entry<Result> | undefined): void => {
    const room = entry?.room
    if (entry !== undefined) entry.room = undefined
    room?.()
  }
  // An item waiting for room must see the abort, or it would hold the end of the iteration back.
  controller.signal.addEventListener(
    'abort',
    () => {
      for (const entry of entries) makeRoom(entry)
    },
    { once: true },
  )

  const start = (index: number): void => {
    const entry: Entry<Result> = {
      results: [],
      ended: false,
      failure: undefined,
      wake: undefined,
      room: undefined,
      running: Promise.resolve(),
    }
    entries[index] = entry
    const notify = (): void => {
      const wake = entry.wake
      entry.wake = undefined
      wake?.()
    }
    entry.running = (async () => {
      try {
        for await (const result of open(items[index] as Item, index, controller.signal)) {
          entry.results.push(result)
          notify()
          while (entry.results.length >= buffer && !controller.signal.aborted) {
            await new Promise<void>((resolve) => {
              entry.room = resolve
            })
          }
          // Leaving the loop returns the iterable, which stops its work.
          if (controller.signal.aborted) throw controller.signal.reason
        }
      } catch (error) {
        entry.failure = { error }
      } finally {
        entry.ended = true
        notify()
        // The slot goes to the next item not yet started, unless the iteration is over.
        if (!controller.signal.aborted && entries.length < items.length) start(entries.length)
      }
    })()
  }

  try {
    for (let index = 0; index < Math.min(concurrency, items.length); index++) start(index)
    for (let index = 0; index < items.length; index++) {
      // Every earlier item has ended, so this one was started (at its end, or above) unless it was all aborted.
      const entry = entries[index]
      if (entry === undefined) throw controller.signal.reason
      for (;;) {
        if (entry.results.length > 0) {
          const result = entry.results.shift() as Result
          makeRoom(entry)
          yield result
          continue
        }
        if (entry.ended) break
        await new Promise<void>((resolve) => {
          entry.wake = resolve
        })
      }
      if (entry.failure !== undefined) throw entry.failure.error
    }
  } finally {
    signal?.removeEventListener('abort', forwardAbort)
    const running = entries.filter((entry) => !entry.ended).map((entry) => entry.running)
    if (running.length > 0) {
      if (!controller.signal.aborted) controller.abort(new Error('The iteration ended early'))
      await Promise.all(running)
    }
  }
}
