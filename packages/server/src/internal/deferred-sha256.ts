/**
 * The SHA-256 of an upload is part of its job's description (`inputData`) and of the document its engine gets, but
 * the engine does not need it to start: computed before the engine call, it lay between the upload's last byte and
 * the engine's start. Deferred, it is computed right after the call has started (while the engine works), or on
 * the first read of `sha256`, whichever comes first: whoever reads it, when it is read, gets the same value.
 */

/** A received upload whose `sha256` is read like any other field. */
export interface Sha256Described {
  sha256: string
}

/**
 * Give `target` a `sha256` computed by `compute` on its first read (then kept as a plain field). `compute` is
 * dropped once it ran, with what it holds (the bytes of the upload).
 */
export function deferSha256<Target extends object>(
  target: Target,
  compute: () => string,
): Target & Sha256Described {
  const settle = (value: string): string => {
    Object.defineProperty(target, 'sha256', { configurable: true, enumerable: true, writable: true, value })
    return value
  }
  Object.defineProperty(target, 'sha256', {
    configurable: true,
    enumerable: true,
    get: () => settle(compute()),
    set: settle,
  })
  return target as Target & Sha256Described
}
