/**
 * Waiting for a condition that has no event to wait on: state in another process, on disk, or behind an API.
 * Tests wait for conditions, never for a fixed time, so they pass on a loaded machine as on an idle one.
 */

/** How long {@link eventually} keeps checking. */
export interface EventuallyOptions {
  /**
   * Give up after this many milliseconds, naming what was awaited (a test's own timeout would not say).
   * @default 30000
   */
  timeoutMs?: number
}

/**
 * Resolves with the first truthy value `check()` returns, checking every few milliseconds. A check that throws
 * is tried again; when time runs out the error names `what` and the last thrown message.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  what = 'condition',
  options: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  let lastError: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value
    } catch (error) {
      lastError = error
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : ''
      throw new Error(`gave up waiting for ${what}${reason}`, { cause: lastError })
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
