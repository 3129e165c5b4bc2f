import { describe, expect, it } from 'vitest'
import { remainingSettleMs, type Stillness, stillSince } from './stability.js'

const stabilityMs = 500

describe('stillSince', () => {
  it('on a local file system, counts from the last write (its mtime): files dropped together are ready together', () => {
    const now = 10_000
    // Written 300 ms before it was seen: 200 ms (and the timestamp slack) still to wait, not 500.
    const since = stillSince({ size: 1, mtimeMs: now - 300, ctimeMs: now - 300 }, now, true)
    const tracked: Stillness = { size: 1, mtimeMs: now - 300, ctimeMs: now - 300, since }
    expect(remainingSettleMs(tracked, { signature: tracked, now, stabilityMs })).toBe(220)
    // Not written for longer than the window when first seen: ready at once.
    const old = stillSince({ size: 1, mtimeMs: now - 5_000, ctimeMs: now - 5_000 }, now, true)
    expect(
      remainingSettleMs(
        { size: 1, mtimeMs: now - 5_000, ctimeMs: now - 5_000, since: old },
        {
          signature: { size: 1, mtimeMs: now - 5_000, ctimeMs: now - 5_000 },
          now,
          stabilityMs,
        },
      ),
    ).toBeUndefined()
  })

  it('takes a file moved in with its old mtime at once: the move changes its ctime, not its bytes', () => {
    const now = 10_000
    const signature = { size: 1, mtimeMs: now - 60_000, ctimeMs: now - 5 }
    const tracked: Stillness = { ...signature, since: stillSince(signature, now, true) }
    expect(remainingSettleMs(tracked, { signature, now, stabilityMs })).toBeUndefined()
  })

  it('counts from the ctime when the mtime was set ahead of it', () => {
    const now = 10_000
    expect(stillSince({ size: 1, mtimeMs: now + 60_000, ctimeMs: now - 300 }, now, true)).toBe(now - 280)
  })

  it('never counts from a ctime ahead of the clock, nor from any file time of another machine', () => {
    const now = 10_000
    expect(stillSince({ size: 1, mtimeMs: now + 60_000, ctimeMs: now + 60_000 }, now, true)).toBe(now)
    expect(stillSince({ size: 1, mtimeMs: 0, ctimeMs: now - 5_000 }, now, false)).toBe(now)
  })

  it('starts the wait over when the file moved since it was seen', () => {
    const now = 10_000
    const tracked: Stillness = { size: 1, mtimeMs: 1, ctimeMs: 1, since: 1 }
    expect(
      remainingSettleMs(tracked, { signature: { size: 2, mtimeMs: 2, ctimeMs: 2 }, now, stabilityMs }),
    ).toBe(stabilityMs)
    expect(tracked.since).toBe(now)
  })
})
