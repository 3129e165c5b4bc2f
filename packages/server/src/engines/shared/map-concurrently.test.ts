import { setImmediate as tick } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { mapConcurrently } from './map-concurrently.js'

/** A call that finishes only when the test says so. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {}
  const promise = new Promise<void>((done) => {
    resolve = done
  })
  return { promise, resolve }
}

/** Tells whether `promise` has settled; its outcome stays the caller's to check. */
function watch(promise: Promise<unknown>): { settled: boolean } {
  const state = { settled: false }
  const settle = (): void => {
    state.settled = true
  }
  promise.then(settle, settle)
  return state
}

const signal = new AbortController().signal

describe('mapConcurrently', () => {
  it('keeps the input order and at most `concurrency` calls in flight', async () => {
    let inFlight = 0
    let most = 0
    const results = await mapConcurrently(
      [5, 1, 4, 2, 3],
      { concurrency: 2, signal },
      async (item, index) => {
        inFlight += 1
        most = Math.max(most, inFlight)
        for (let turn = 0; turn < item; turn++) await tick()
        inFlight -= 1
        return `${index}:${item}`
      },
    )
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3'])
    expect(most).toBe(2)
  })

  it('starts nothing after a failure, and throws it only once the calls in flight have returned', async () => {
    const slow = deferred()
    const started: number[] = []
    let slowReturned = false
    const mapping = mapConcurrently([0, 1, 2, 3], { concurrency: 2, signal }, async (item) => {
      started.push(item)
      if (item === 0) {
        await slow.promise
        slowReturned = true
        return item
      }
      throw new Error(`item ${item} failed`)
    })
    const state = watch(mapping)
    for (let turn = 0; turn < 10; turn++) await tick()
    expect(started).toEqual([0, 1])
    expect(state.settled).toBe(false)
    slow.resolve()
    await expect(mapping).rejects.toThrow('item 1 failed')
    expect(slowReturned).toBe(true)
    expect(started).toEqual([0, 1])
  })

  it("stops at the job's abort with its reason, once the calls in flight have returned", async () => {
    const controller = new AbortController()
    const reason = new Error('The job was cancelled')
    const running = deferred()
    const started: number[] = []
    let returned = 0
    const mapping = mapConcurrently(
      [0, 1, 2, 3],
      { concurrency: 2, signal: controller.signal },
      async (item) => {
        started.push(item)
        await running.promise
        returned += 1
        return item
      },
    )
    const state = watch(mapping)
    await tick()
    controller.abort(reason)
    for (let turn = 0; turn < 10; turn++) await tick()
    expect(state.settled).toBe(false)
    running.resolve()
    await expect(mapping).rejects.toBe(reason)
    expect(started).toEqual([0, 1])
    expect(returned).toBe(2)
  })

  it('calls nothing for a job aborted before it starts, and maps no items to none', async () => {
    const controller = new AbortController()
    controller.abort(new Error('The job timed out'))
    let calls = 0
    const map = async (item: number): Promise<number> => {
      calls += 1
      return item
    }
    await expect(mapConcurrently([1, 2], { concurrency: 2, signal: controller.signal }, map)).rejects.toThrow(
      'The job timed out',
    )
    expect(calls).toBe(0)
    expect(await mapConcurrently([], { concurrency: 2, signal: controller.signal }, map)).toEqual([])
  })
})
