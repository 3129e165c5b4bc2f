import { describe, expect, it } from 'vitest'
import { orderedPool } from './ordered-pool.js'

interface Deferred<T> {
  promise: Promise<T>
  resolve(value: T): void
  reject(reason: unknown): void
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve
    reject = onReject
  })
  return { promise, resolve, reject }
}

/** A task per item that finishes only when the test says so, recording how many run at once. */
function gatedTasks(count: number) {
  const gates = Array.from({ length: count }, () => deferred<string>())
  const state = { running: 0, maxRunning: 0, started: [] as number[], aborted: [] as number[] }
  const task = async (item: number, _index: number, signal: AbortSignal): Promise<string> => {
    state.started.push(item)
    state.running++
    state.maxRunning = Math.max(state.maxRunning, state.running)
    const onAbort = (): void => {
      state.aborted.push(item)
      gates[item]?.reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      return await (gates[item] as Deferred<string>).promise
    } finally {
      signal.removeEventListener('abort', onAbort)
      state.running--
    }
  }
  return { gates, state, task }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('orderedPool', () => {
  it('yields in input order however the tasks finish, never running more than the limit', async () => {
    const { gates, state, task } = gatedTasks(6)
    const iterator = orderedPool([0, 1, 2, 3, 4, 5], task, { concurrency: 2, window: 4 })
    const results: string[] = []
    const consumer = (async () => {
      for await (const value of iterator) results.push(value)
    })()
    await settle()
    expect(state.started).toEqual([0, 1])
    gates[1]?.resolve('one')
    await settle()
    expect(results).toEqual([])
    expect(state.started).toEqual([0, 1, 2])
    gates[2]?.resolve('two')
    await settle()
    // 0 is still running and 1, 2 wait to be handed over: the window of 4 allows only one more.
    expect(state.started).toEqual([0, 1, 2, 3])
    gates[0]?.resolve('zero')
    await settle()
    expect(results).toEqual(['zero', 'one', 'two'])
    for (const [index, word] of ['three', 'four', 'five'].entries()) {
      gates[index + 3]?.resolve(word)
      await settle()
    }
    await consumer
    expect(results).toEqual(['zero', 'one', 'two', 'three', 'four', 'five'])
    expect(state.maxRunning).toBe(2)
  })

  it('throws a failure at its turn, after the earlier results, and aborts the tasks still running', async () => {
    const { gates, state, task } = gatedTasks(3)
    const results: string[] = []
    const consumer = (async () => {
      for await (const value of orderedPool([0, 1, 2], task, { concurrency: 3, window: 3 }))
        results.push(value)
    })()
    await settle()
    gates[1]?.reject(new Error('bad input'))
    await settle()
    gates[0]?.resolve('zero')
    await expect(consumer).rejects.toThrow('bad input')
    expect(results).toEqual(['zero'])
    expect(state.aborted).toEqual([2])
    expect(state.running).toBe(0)
  })

  it('aborts the running tasks when the consumer stops early', async () => {
    const { gates, state, task } = gatedTasks(4)
    const consumer = (async () => {
      for await (const value of orderedPool([0, 1, 2, 3], task, { concurrency: 2, window: 2 })) {
        return value
      }
    })()
    await settle()
    gates[0]?.resolve('zero')
    await expect(consumer).resolves.toBe('zero')
    expect(state.aborted).toEqual([1, 2])
    expect(state.running).toBe(0)
    expect(state.started).toEqual([0, 1, 2])
  })

  it('stops on the caller signal with its reason', async () => {
    const { state, task } = gatedTasks(3)
    const controller = new AbortController()
    const consumer = (async () => {
      for await (const _value of orderedPool([0, 1, 2], task, {
        concurrency: 1,
        window: 1,
        signal: controller.signal,
      })) {
        // nothing to do
      }
    })()
    await settle()
    controller.abort(new Error('stop'))
    await expect(consumer).rejects.toThrow('stop')
    expect(state.started).toEqual([0])
  })

  it('refuses to start with an aborted signal', async () => {
    const iterator = orderedPool([1], async (item) => item, {
      concurrency: 1,
      window: 1,
      signal: AbortSignal.abort(new Error('already')),
    })
    await expect(iterator.next()).rejects.toThrow('already')
  })
})
