import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { runPool } from './pool.ts'

describe('runPool', () => {
  it('runs every task with at most `concurrency` in flight', async () => {
    let inFlight = 0
    let most = 0
    const done: number[] = []
    await runPool(20, 3, async (index) => {
      inFlight++
      most = Math.max(most, inFlight)
      await sleep(1)
      inFlight--
      done.push(index)
    })
    expect(most).toBe(3)
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index))
  })

  it('rejects with the first error and starts no task after it', async () => {
    const started: number[] = []
    const run = runPool(10, 2, async (index) => {
      started.push(index)
      await sleep(1)
      if (index === 1) throw new Error('task 1 failed')
    })
    await expect(run).rejects.toThrow('task 1 failed')
    expect(started.length).toBeLessThan(10)
  })
})
