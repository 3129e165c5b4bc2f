import { describe, expect, it } from 'vitest'
import { AbortError } from '../errors.js'
import { ConversionQueue } from './conversion-queue.js'
import { Operation } from './operation.js'

/** A task that runs until `finish` is called, recording when it started. */
function gate(log: string[], name: string) {
  let finish: (value: string) => void = () => {}
  let fail: (error: Error) => void = () => {}
  const task = () => {
    log.push(`start ${name}`)
    return new Promise<string>((resolve, reject) => {
      finish = resolve
      fail = reject
    })
  }
  return { task, finish: () => finish(name), fail: (error: Error) => fail(error) }
}

/** Lets every queued promise reaction run. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('ConversionQueue', () => {
  it('starts a task at once when a slot is free, and runs at most `concurrency` at a time, first come first served', async () => {
    const queue = new ConversionQueue(2)
    const log: string[] = []
    const tasks = ['a', 'b', 'c', 'd'].map((name) => gate(log, name))
    const results = tasks.map((task) => queue.run(new Operation(), task.task))
    // The first two started synchronously, inside run().
    expect(log).toEqual(['start a', 'start b'])
    expect(queue.running).toBe(2)
    expect(queue.waiting).toBe(2)
    tasks[1]!.finish()
    await settle()
    expect(log).toEqual(['start a', 'start b', 'start c'])
    tasks[0]!.finish()
    tasks[2]!.finish()
    await settle()
    expect(log).toEqual(['start a', 'start b', 'start c', 'start d'])
    tasks[3]!.finish()
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd'])
    expect(queue.running).toBe(0)
    expect(queue.waiting).toBe(0)
  })

  it('frees the slot of a task that failed, and passes its error on', async () => {
    const queue = new ConversionQueue(1)
    const log: string[] = []
    const first = gate(log, 'a')
    const second = gate(log, 'b')
    const failed = queue.run(new Operation(), first.task)
    const next = queue.run(new Operation(), second.task)
    first.fail(new Error('engine down'))
    await expect(failed).rejects.toThrow('engine down')
    await settle()
    expect(log).toEqual(['start a', 'start b'])
    second.finish()
    await expect(next).resolves.toBe('b')
  })

  it('rejects a waiting task at once when its call is aborted, never starts it, and keeps the order of the others', async () => {
    const queue = new ConversionQueue(1)
    const log: string[] = []
    const [a, b, c] = ['a', 'b', 'c'].map((name) => gate(log, name))
    const controller = new AbortController()
    const ranA = queue.run(new Operation(), a!.task)
    const ranB = queue.run(new Operation({ signal: controller.signal }), b!.task)
    const ranC = queue.run(new Operation(), c!.task)
    controller.abort()
    await expect(ranB).rejects.toBeInstanceOf(AbortError)
    expect(queue.waiting).toBe(1)
    a!.finish()
    await settle()
    expect(log).toEqual(['start a', 'start c'])
    c!.finish()
    await expect(Promise.all([ranA, ranC])).resolves.toEqual(['a', 'c'])
  })

  it('refuses a call already aborted without starting it', async () => {
    const queue = new ConversionQueue(1)
    const controller = new AbortController()
    controller.abort()
    let started = false
    expect(() =>
      queue.run(new Operation({ signal: controller.signal }), async () => {
        started = true
      }),
    ).toThrow(AbortError)
    expect(started).toBe(false)
    expect(queue.running).toBe(0)
  })

  it('halves its slots after a 429 and gives them back one success round at a time, starting waiting tasks as they free', async () => {
    const queue = new ConversionQueue(4)
    queue.limit.rateLimited()
    expect(queue.limit.current).toBe(2)
    const log: string[] = []
    const tasks = ['a', 'b', 'c'].map((name) => gate(log, name))
    const results = tasks.map((task) => queue.run(new Operation(), task.task))
    expect(log).toEqual(['start a', 'start b'])
    queue.limit.succeeded()
    expect(queue.limit.current).toBe(2)
    queue.limit.succeeded()
    // Two successes at 2 slots: one more slot, and the waiting task starts on it.
    expect(queue.limit.current).toBe(3)
    expect(log).toEqual(['start a', 'start b', 'start c'])
    for (const task of tasks) task.finish()
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c'])
    for (let round = 0; round < 10; round++) queue.limit.succeeded()
    expect(queue.limit.current).toBe(4)
  })

  it('drops waiting tasks on clear, whose calls then end with their own abort', async () => {
    const queue = new ConversionQueue(1)
    const log: string[] = []
    const a = gate(log, 'a')
    const b = gate(log, 'b')
    const closing = new AbortController()
    const ranA = queue.run(new Operation({ closeSignal: closing.signal }), a.task)
    const ranB = queue.run(new Operation({ closeSignal: closing.signal }), b.task)
    queue.clear()
    closing.abort()
    await expect(ranB).rejects.toMatchObject({ code: 'client_closed' })
    a.finish()
    await expect(ranA).resolves.toBe('a')
    await settle()
    expect(log).toEqual(['start a'])
  })

  it('keeps to first come, first served over many waiting tasks, some aborted', async () => {
    const queue = new ConversionQueue(3)
    const order: number[] = []
    const controllers: AbortController[] = []
    const runs: Promise<unknown>[] = []
    for (let index = 0; index < 3000; index++) {
      const controller = new AbortController()
      controllers.push(controller)
      runs.push(
        queue
          .run(new Operation({ signal: controller.signal }), async () => {
            order.push(index)
            await settle()
          })
          .catch(() => undefined),
      )
    }
    for (let index = 10; index < 3000; index += 7) controllers[index]!.abort()
    await Promise.all(runs)
    const expected = [...Array(3000).keys()].filter((index) => index < 10 || (index - 10) % 7 !== 0)
    expect(order).toEqual(expected)
    expect(queue.running).toBe(0)
    expect(queue.waiting).toBe(0)
  })
})
