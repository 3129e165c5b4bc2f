import { describe, expect, it } from 'vitest'
import { BenchmarkSkipped, skip } from './skip.ts'

describe('skip', () => {
  it('throws a BenchmarkSkipped carrying the reason', () => {
    let caught: unknown
    try {
      skip('the watcher is not built')
    } catch (error) {
      caught = error
    }
    expect(BenchmarkSkipped.isInstance(caught)).toBe(true)
    expect((caught as Error).message).toBe('the watcher is not built')
    expect(BenchmarkSkipped.isInstance(new Error('x'))).toBe(false)
  })
})
