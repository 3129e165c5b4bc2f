import { describe, expect, it } from 'vitest'
import { type TaskOutcome, TaskPool } from './task-pool.js'

interface Gate {
  promise: Promise<void>
  open(): void
  fail(error: Error): void
}

function gate(): Gate {
  let open!: () => void
  let fail!: (error: Error) => void
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve
    fail = reject
  })
  return { promise, open, fail }
}

function setup(options: { concurrency: number; capacity: number; ordered: boolean; failFast?: boolean }) {
  const gates = new Map<number, Gate>()
  const emitted: TaskOutcome<number, number>[] = []
  const aborted: number[] = []
  const fatal: unknown[] = []
  let held = 0
  let running = 0
  let maxRunning = 0
  const pool = new TaskPool<number, number>({
    ...options,
    failFast: options.failFast ?? false,
    async run(item, signal) {
      running++
      maxRunning = Math.max(maxRunning, running)
      const itemGate = gate()
      gates.set(item, itemGate)
      const onAbort = () => {
        aborted.push(item)
        itemGate.fail(new Error('aborted'))
      }
      signal.addEventListener('abort', onAbort)
      try {
        await itemGate.promise
        return item * 10
      } finally {
        signal.removeEventListener('abort', onAbort)
        running--
      }
    },
    emit(outcome) {
      emitted.push(outcome)
      held++
    },
    held: () => held,
    onFatal: (error) => fatal.push(error),
  })
  const take = () => {
    held--
    pool.poke()
  }
  return { pool, gates, emitted, aborted, fatal, take, maxRunning: () => maxRunning }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('TaskPool', () => {
  it('keeps input order when ordered, whatever order the tasks finish in', async () => {
    const { pool, gates, emitted, take } = setup({ concurrency: 3, capacity: 8, ordered: true })
    for (const item of [1, 2, 3]) await pool.add(item)
    await tick()
    gates.get(3)!.open()
    gates.get(2)!.open()
    await tick()
    expect(emitted).toEqual([])
    gates.get(1)!.open()
    await tick()
    expect(emitted.map((outcome) => outcome.input)).toEqual([1, 2, 3])
    for (let index = 0; index < 3; index++) take()
    await pool.drain()
  })

  it('emits as finished when unordered', async () => {
    const { pool, gates, emitted } = setup({ concurrency: 3, capacity: 8, ordered: false })
    for (const item of [1, 2, 3]) await pool.add(item)
    await tick()
    gates.get(3)!.open()
    await tick()
    gates.get(1)!.open()
    await tick()
    gates.get(2)!.open()
    await pool.drain()
    expect(emitted.map((outcome) => outcome.input)).toEqual([3, 1, 2])
    expect(emitted[0]).toEqual({ input: 3, ok: true, result: 30 })
  })

  it('never runs more than `concurrency` tasks and holds at most `capacity` unread outcomes', async () => {
    const { pool, gates, emitted, take, maxRunning } = setup({ concurrency: 2, capacity: 3, ordered: true })
    let started = 0
    const producer = (async () => {
      for (let item = 1; item <= 10; item++) {
        await pool.add(item)
        started++
      }
    })()
    await tick()
    expect(started).toBe(2)
    gates.get(1)!.open()
    gates.get(2)!.open()
    await tick()
    // Two outcomes are unread, one more item may run: capacity 3.
    expect(started).toBe(3)
    gates.get(3)!.open()
    await tick()
    expect(emitted).toHaveLength(3)
    expect(started).toBe(3)
    for (let item = 4; item <= 10; item++) {
      take()
      await tick()
      gates.get(item)!.open()
      await tick()
    }
    take()
    take()
    take()
    await producer
    await pool.drain()
    expect(maxRunning()).toBeLessThanOrEqual(2)
    expect(emitted.map((outcome) => outcome.input)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  })

  it('reports failures per item without failFast', async () => {
    const { pool, gates, emitted, fatal } = setup({ concurrency: 2, capacity: 8, ordered: true })
    await pool.add(1)
    await pool.add(2)
    await tick()
    gates.get(1)!.fail(new Error('boom'))
    gates.get(2)!.open()
    await pool.drain()
    expect(emitted[0]).toMatchObject({ input: 1, ok: false, error: { message: 'boom' } })
    expect(emitted[1]).toMatchObject({ input: 2, ok: true })
    expect(fatal).toEqual([])
  })

  it('with failFast, the first failure aborts the running tasks and rejects the waiting producer', async () => {
    const { pool, gates, aborted, fatal, emitted } = setup({
      concurrency: 2,
      capacity: 2,
      ordered: false,
      failFast: true,
    })
    await pool.add(1)
    await pool.add(2)
    const third = pool.add(3)
    await tick()
    gates.get(2)!.fail(new Error('second failed'))
    await expect(third).rejects.toThrow('second failed')
    await pool.stop(new Error('again'))
    expect(fatal).toHaveLength(1)
    expect(aborted).toEqual([1])
    expect(emitted).toEqual([])
    await expect(pool.add(4)).rejects.toThrow('second failed')
  })

  it('stop() waits for every running task to settle', async () => {
    const { pool, aborted } = setup({ concurrency: 3, capacity: 3, ordered: true })
    for (const item of [1, 2, 3]) await pool.add(item)
    await tick()
    await pool.stop(new Error('destroyed'))
    expect(aborted.sort()).toEqual([1, 2, 3])
    expect(pool.running).toBe(0)
  })
})
