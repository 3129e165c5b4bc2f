/**
 * The pages of one document are worked on a few at a time (rendered and OCRed, or sent to a model), within the
 * job's signal. A failure, or the job's abort, starts no further page, and is thrown only once the pages in flight
 * have returned: no work outlives the conversion that asked for it (the document it reads is closed after it, and
 * the upload removed).
 */
import PQueue from 'p-queue'
import { abortReason } from './engine-failure.js'

/** How many calls at once, and the job's signal. */
export interface MapOptions {
  concurrency: number
  signal: AbortSignal
}

/** Maps `items` with at most `options.concurrency` calls in flight; the results are in input order. */
export async function mapConcurrently<Item, Result>(
  items: readonly Item[],
  options: MapOptions,
  map: (item: Item, index: number) => Promise<Result>,
): Promise<Result[]> {
  const { signal } = options
  const results = new Array<Result>(items.length)
  let failure: { error: unknown } | undefined
  // No signal is given to the queue: it would settle a call's promise on abort while the call still runs.
  const queue = new PQueue({ concurrency: Math.max(1, options.concurrency) })
  const stop = (error: unknown): void => {
    failure ??= { error }
    queue.clear()
  }
  for (const [index, item] of items.entries()) {
    void queue.add(async () => {
      if (failure) return
      if (signal.aborted) {
        stop(abortReason(signal))
        return
      }
      try {
        results[index] = await map(item, index)
      } catch (error) {
        stop(error)
      }
    })
  }
  await queue.onIdle()
  if (failure) throw failure.error
  return results
}
