import { describe, expect, it } from 'vitest'
import { orderedStreams } from './ordered-streams.js'

/** Lets every pending promise callback run: the sources below are in memory, so nothing else is waited for. */
const drained = () => new Promise((resolve) => setImmediate(resolve))

/** An item's results, each released by the test, with a count of what the runner has read so far. */
function source(name: string, count: number) {
  const releases: Array<() => void> = []
  const state = { name, read: 0, returned: false, released: 0 }
  const gates = Array.from({ length: count }, () => new Promise<void>((resolve) => releases.push(resolve)))
  return {
    state,
    release(upTo: number) {
      while (state.released < upTo) releases[state.released++]?.()
    },
    async *open(signal: AbortSignal) {
      try {
        for (let index = 0; index < count; index++) {
          await Promise.race([
            gates[index],
            new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
          ])
          state.read++
          yield `${name}${index + 1}`
        }
      } finally {
        state.returned = true
      }
    },
  }
}

describe('orderedStreams', () => {
  it('yields the first item’s results as they come, then the next item’s, held meanwhile', async () => {
    const a = source('a', 2)
    const b = source('b', 2)
    const sources = [a, b]
    const results = orderedStreams(sources, (item, _index, signal) => item.open(signal), {
      concurrency: 2,
      buffer: 5,
    })
    b.release(2)
    a.release(1)
    expect((await results.next()).value).toBe('a1')
    await drained()
    expect(b.state.read).toBe(2)
    a.release(2)
    const rest: string[] = []
    for await (const result of results) rest.push(result)
    expect(rest).toEqual(['a2', 'b1', 'b2'])
  })

  it('reads an item no further than `buffer` results ahead of the consumer', async () => {
    const a = source('a', 5)
    a.release(5)
    const results = orderedStreams([a], (item, _index, signal) => item.open(signal), {
      concurrency: 1,
      buffer: 1,
    })
    expect((await results.next()).value).toBe('a1')
    await drained()
    // a1 taken, a2 held for the consumer: a3 is not read until a2 is taken.
    expect(a.state.read).toBe(2)
    expect((await results.next()).value).toBe('a2')
    await drained()
    expect(a.state.read).toBe(3)
  })

  it('stopping early ends every item, one waiting for room included, before the iteration returns', async () => {
    const a = source('a', 3)
    const b = source('b', 3)
    a.release(3)
    b.release(3)
    const results = orderedStreams([a, b], (item, _index, signal) => item.open(signal), {
      concurrency: 2,
      buffer: 1,
    })
    expect((await results.next()).value).toBe('a1')
    await drained()
    await results.return(undefined)
    expect(a.state.returned).toBe(true)
    expect(b.state.returned).toBe(true)
    expect(b.state.read).toBe(1)
  })

  it('an item that throws fails the iteration at its turn, after its results', async () => {
    const failing = {
      async *open() {
        yield 'x1'
        throw new Error('broken')
      },
    }
    const seen: string[] = []
    const error = await (async () => {
      for await (const result of orderedStreams([failing], (item) => item.open(), {
        concurrency: 1,
        buffer: 1,
      }))
        seen.push(result)
    })().catch((caught: unknown) => caught)
    expect(seen).toEqual(['x1'])
    expect((error as Error).message).toBe('broken')
  })
})
