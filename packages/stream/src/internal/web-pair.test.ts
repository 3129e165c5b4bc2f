import { afterEach, describe, expect, it } from 'vitest'
import { watchProcess } from '../test-helpers.js'
import { WebPair } from './web-pair.js'

let watch: ReturnType<typeof watchProcess> | undefined
afterEach(() => {
  watch?.stop()
  if (watch !== undefined) expect(watch.problems).toEqual([])
  watch = undefined
})

function deferred<T = void>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((done) => {
    resolve = done
  })
  return { promise, resolve }
}

function fromChunks(chunks: string[]): ReadableStream<string> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk)
      controller.close()
    },
  })
}

async function readAll(stream: ReadableStream<string>): Promise<string[]> {
  const chunks: string[] = []
  for await (const chunk of stream as unknown as AsyncIterable<string>) chunks.push(chunk)
  return chunks
}

/** A pair whose "conversion" is a plain async step the test controls: what is tested is the pair's own logic. */
function makePair(options: { sliceLength?: number; signal?: AbortSignal } = {}) {
  const received: string[] = []
  const conversion = deferred<string>()
  const closing = deferred()
  const teardowns: unknown[] = []
  const pair = new WebPair<string, string>({
    highWaterMark: 4,
    size: (chunk) => chunk.length,
    async write(chunk) {
      received.push(chunk)
    },
    async close(output) {
      closing.resolve()
      const text = await conversion.promise
      output.enqueueText(text, options.sliceLength ?? 4)
    },
    async teardown(reason) {
      teardowns.push(reason)
    },
    signal: options.signal,
  })
  return { pair, received, conversion, closing, teardowns }
}

describe('WebPair', () => {
  it('passes the output of close() in slices that never split a surrogate pair', async () => {
    watch = watchProcess()
    const { pair, received, conversion, teardowns } = makePair({ sliceLength: 3 })
    const reading = readAll(fromChunks(['a', 'b']).pipeThrough(pair.stream))
    conversion.resolve('ab😀cdef😀')
    const chunks = await reading
    expect(received).toEqual(['a', 'b'])
    expect(chunks.join('')).toBe('ab😀cdef😀')
    for (const chunk of chunks) expect(chunk).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/)
    expect(teardowns).toEqual([undefined])
  })

  it('notices the output cancelled while close() is at work, and never enqueues afterwards', async () => {
    watch = watchProcess()
    const { pair, conversion, closing, teardowns } = makePair()
    const writer = pair.stream.writable.getWriter()
    const reader = pair.stream.readable.getReader()
    await writer.write('x')
    const closed = writer.close()
    await closing.promise
    await reader.cancel(new Error('reader left'))
    expect(teardowns).toHaveLength(1)
    expect((teardowns[0] as Error).message).toBe('reader left')
    conversion.resolve('too late')
    await expect(closed).rejects.toThrow('reader left')
    pair.output.enqueue('also too late')
  })

  it('survives pipeTo aborted during close(), the case that crashed a plain TransformStream', async () => {
    watch = watchProcess()
    const { pair, conversion, closing, teardowns } = makePair()
    const controller = new AbortController()
    const written: string[] = []
    const piping = fromChunks(['x'])
      .pipeThrough(pair.stream)
      .pipeTo(new WritableStream({ write: (chunk) => void written.push(chunk) }), {
        signal: controller.signal,
      })
    await closing.promise
    controller.abort()
    await expect(piping).rejects.toMatchObject({ name: 'AbortError' })
    conversion.resolve('too late')
    await new Promise((resolve) => setImmediate(resolve))
    expect(written).toEqual([])
    expect(teardowns).toHaveLength(1)
  })

  it('an aborted signal errors both sides and tears down once', async () => {
    watch = watchProcess()
    const controller = new AbortController()
    const { pair, closing, teardowns } = makePair({ signal: controller.signal })
    const reading = readAll(fromChunks(['x']).pipeThrough(pair.stream))
    await closing.promise
    controller.abort(new Error('stop'))
    await expect(reading).rejects.toThrow('stop')
    expect(teardowns).toHaveLength(1)
  })

  it('a failing write errors the output and tears down', async () => {
    watch = watchProcess()
    const teardowns: unknown[] = []
    const pair = new WebPair<string, string>({
      highWaterMark: 1,
      async write() {
        throw new Error('not bytes')
      },
      async close() {},
      async teardown(reason) {
        teardowns.push(reason)
      },
    })
    await expect(readAll(fromChunks(['x']).pipeThrough(pair.stream))).rejects.toThrow('not bytes')
    expect(teardowns).toHaveLength(1)
  })
})
