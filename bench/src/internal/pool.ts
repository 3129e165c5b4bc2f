/**
 * Runs `task(0..count-1)` with at most `concurrency` in flight, the way a user would with a few async workers.
 * Rejects with the first error, after the tasks already in flight settle.
 */
export async function runPool(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0
  let failure: unknown
  const worker = async () => {
    while (failure === undefined && next < count) {
      const index = next++
      try {
        await task(index)
      } catch (error) {
        failure ??= error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  if (failure !== undefined) throw failure
}
