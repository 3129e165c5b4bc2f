/**
 * Waiting at shutdown is bounded, and the bound is a real timer: an unreferenced one would let the process
 * end (with exit code 13, "unsettled top-level await") while a wait that never settles is still awaited.
 */

/** Resolves `true` once `promise` settles, or `false` after `ms` milliseconds, whichever comes first. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      expired,
    ])
  } finally {
    clearTimeout(timer)
  }
}
