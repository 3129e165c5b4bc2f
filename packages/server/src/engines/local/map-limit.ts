import { abortReason } from '../shared/engine-failure.js'

/**
 * Maps `items` with at most `limit` calls in flight, results in input order. The first failure stops new calls
 * and is thrown once the calls in flight settle, so no work outlives the conversion that asked for it.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  map: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let failure: { error: unknown } | undefined
  const run = async (): Promise<void> => {
    while (next < items.length && !failure) {
      if (signal.aborted) {
        failure ??= { error: abortReason(signal) }
        return
      }
      const index = next++
      try {
        results[index] = await map(items[index] as T, index)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, run))
  if (failure) throw failure.error
  return results
}
