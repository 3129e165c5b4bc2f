import { describe, expect, it } from 'vitest'
import { FaultInjector, seededRandom } from './fault-injector.js'

describe('seededRandom', () => {
  it('repeats for a seed and differs across seeds', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, seededRandom(seed))
    expect(draw(7)).toEqual(draw(7))
    expect(draw(7)).not.toEqual(draw(8))
    for (const value of draw(3)) expect(value).toBeGreaterThanOrEqual(0)
  })
})

describe('FaultInjector', () => {
  it('adds delays to the first other fault that applies', () => {
    const injector = new FaultInjector({
      rules: [
        { route: '*', fault: { type: 'delay', ms: 5 } },
        { route: 'getJob', fault: { type: 'delay', ms: 7 } },
        { route: 'getJob', fault: { type: 'status', status: 500 }, count: 1 },
        { route: 'getJob', fault: { type: 'status', status: 503 } },
      ],
    })
    expect(injector.decide('getJob')).toEqual({
      delayMs: 12,
      fault: { type: 'status', status: 500 },
      logged: 'status',
    })
    expect(injector.decide('getJob').fault).toEqual({ type: 'status', status: 503 })
    expect(injector.decide('list')).toEqual({ delayMs: 5, logged: 'delay' })
  })

  it('keeps dropStream to the stream route', () => {
    const injector = new FaultInjector({
      rules: [{ route: '*', fault: { type: 'dropStream', afterEvents: 1 } }],
    })
    expect(injector.decide('getJob').fault).toBeUndefined()
    expect(injector.decide('stream').fault).toEqual({ type: 'dropStream', afterEvents: 1 })
  })
})
