import { getEventListeners, once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent, type Dispatcher } from 'undici'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AbortError, NuMarkdownError, TimeoutError } from '../errors.js'
import { Operation } from './operation.js'

const opened: Operation[] = []
function operation(options?: ConstructorParameters<typeof Operation>[0]): Operation {
  const made = new Operation(options)
  opened.push(made)
  return made
}
afterEach(() => {
  for (const made of opened.splice(0)) made.end()
})

describe('Operation', () => {
  it("ends with the caller's abort: its listeners run once, in order, and the error names the cause", () => {
    const caller = new AbortController()
    const call = operation({ signal: caller.signal, timeoutMs: 60_000 })
    const heard: string[] = []
    call.onAbort(() => heard.push('first'))
    const removed = call.onAbort(() => heard.push('removed'))
    call.onAbort(() => heard.push('second'))
    removed()
    expect(call.aborted).toBe(false)
    caller.abort('stop')
    caller.abort('again')
    expect(heard).toEqual(['first', 'second'])
    expect(call.aborted).toBe(true)
    expect(call.reason).toBe('stop')
    const error = call.abortError('job-1')
    expect(error).toBeInstanceOf(AbortError)
    expect(error).toMatchObject({ code: 'aborted', jobId: 'job-1', cause: 'stop' })
    expect(() => call.throwIfAborted()).toThrow(AbortError)
  })

  it('runs every listener when one throws, then throws its error', () => {
    const call = operation()
    const failure = new Error('listener failed')
    let later = false
    call.onAbort(() => {
      throw failure
    })
    call.onAbort(() => {
      later = true
    })
    expect(() => call.abort()).toThrow(failure)
    expect(later).toBe(true)
    expect(call.aborted).toBe(true)
  })

  it('is aborted at once by a source that already fired', () => {
    const caller = new AbortController()
    caller.abort('early')
    const call = operation({ signal: caller.signal })
    expect(call.aborted).toBe(true)
    let heard = false
    call.onAbort(() => {
      heard = true
    })
    expect(heard).toBe(true)
  })

  it('follows its parent while it runs, and no longer once it has ended', () => {
    const parentCaller = new AbortController()
    const parent = operation({ signal: parentCaller.signal, timeoutMs: 60_000 })
    const running = operation({ parent })
    const ended = operation({ parent })
    ended.end()
    expect(running.deadline).toBe(parent.deadline)
    parentCaller.abort('parent stopped')
    expect(running.aborted).toBe(true)
    expect(running.reason).toBe('parent stopped')
    expect(running.abortError()).toBeInstanceOf(AbortError)
    expect(ended.aborted).toBe(false)
  })

  it("ends with client_closed on the client's close, inherited from the parent", () => {
    const closing = new AbortController()
    const parent = operation({ closeSignal: closing.signal })
    const child = operation({ parent })
    closing.abort()
    expect(parent.closed && child.closed).toBe(true)
    expect(child.aborted).toBe(true)
    expect(child.abortError()).toMatchObject({ code: 'client_closed' })
    expect(child.abortError()).toBeInstanceOf(NuMarkdownError)
  })

  it('ends with TimeoutError at its deadline', async () => {
    const call = operation({ timeoutMs: 20 })
    await new Promise<void>((resolve) => call.onAbort(resolve))
    expect(call.abortError()).toBeInstanceOf(TimeoutError)
    expect(call.abortError()).toMatchObject({ code: 'deadline_exceeded' })
  })

  it('ends with AbortError when its owner aborts it', () => {
    const request = operation()
    request.abort()
    expect(request.abortError()).toBeInstanceOf(AbortError)
    expect(request.abortError()).toMatchObject({ code: 'aborted' })
  })

  it('adds one listener to a source whatever the number of operations following it', () => {
    const closing = new AbortController()
    const calls = Array.from({ length: 50 }, () =>
      operation({ closeSignal: closing.signal, timeoutMs: 60_000 }),
    )
    expect(getEventListeners(closing.signal, 'abort')).toHaveLength(1)
    calls[0]!.end()
    closing.abort()
    expect(calls.filter((call) => call.aborted)).toHaveLength(49)
  })

  it('makes an AbortSignal only when asked, aborted with it before or after', () => {
    const before = operation()
    const signal = before.signal
    expect(before.signal).toBe(signal)
    expect(signal.aborted).toBe(false)
    before.abort('later')
    expect(signal.aborted).toBe(true)
    expect(signal.reason).toBe('later')

    const after = operation()
    after.abort('sooner')
    expect(after.signal.aborted).toBe(true)
    expect(after.signal.reason).toBe('sooner')
  })

  it('races a promise against the abort, and wakes a sleep at once', async () => {
    const call = operation()
    await expect(call.race(Promise.resolve('value'))).resolves.toBe('value')
    await expect(call.race(Promise.reject(new Error('failed')))).rejects.toThrow('failed')
    const racing = call.race(new Promise(() => {}))
    const sleeping = call.sleep(60_000, 'job-2')
    call.abort()
    await expect(racing).resolves.toBeUndefined()
    await expect(sleeping).rejects.toMatchObject({ code: 'aborted', jobId: 'job-2' })
    await expect(call.race(Promise.resolve('late'))).resolves.toBeUndefined()
  })

  it('sleeps for the time asked when nothing aborts it', async () => {
    const call = operation()
    const started = performance.now()
    await call.sleep(30)
    expect(performance.now() - started).toBeGreaterThanOrEqual(25)
  })

  it('aborts an undici request that follows it, and lets go of it once the response is done', async () => {
    const server = createServer((request, response) => {
      if (request.url === '/hang') return
      response.end('done')
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const agent = new Agent()
    const asSignal = (call: Operation) => call as unknown as NonNullable<Dispatcher.RequestOptions['signal']>
    try {
      const answered = operation()
      const added = vi.spyOn(answered, 'once')
      const removed = vi.spyOn(answered, 'removeListener')
      const response = await agent.request({ origin, path: '/', method: 'GET', signal: asSignal(answered) })
      expect(await response.body.text()).toBe('done')
      await new Promise((resolve) => setImmediate(resolve))
      // The request's abort listener is taken off with its response.
      expect(added).toHaveBeenCalledTimes(1)
      expect(removed).toHaveBeenCalledWith('abort', added.mock.calls[0]![1])

      const hanging = operation()
      const request = agent.request({ origin, path: '/hang', method: 'GET', signal: asSignal(hanging) })
      await new Promise((resolve) => setTimeout(resolve, 20))
      hanging.abort(new Error('given up'))
      await expect(request).rejects.toThrow('given up')
    } finally {
      server.closeAllConnections()
      server.close()
      await agent.close()
    }
  })
})
