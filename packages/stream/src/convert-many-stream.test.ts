import { corpusPath, eventually } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { convertManyStream } from './convert-many-stream.js'
import { ItemFailedError } from './errors.js'
import { settle, useHarness } from './test-helpers.js'
import type { ConvertManyItem, ConvertManyOutput } from './types.js'

const harnesses = useHarness()
const setup = harnesses.setup

const names = ['multi_page.pdf', 'code_and_formula.pdf', 'ocr_test.pdf', 'right_to_left_01.pdf']
const paths = names.map((name) => corpusPath(name))

function itemsOf(items: ConvertManyItem[]): ReadableStream<ConvertManyItem> {
  return (ReadableStream as unknown as { from<T>(items: T[]): ReadableStream<T> }).from(items)
}

async function collect(stream: ReadableStream<ConvertManyOutput>): Promise<ConvertManyOutput[]> {
  const outcomes: ConvertManyOutput[] = []
  for await (const outcome of stream as unknown as AsyncIterable<ConvertManyOutput>) outcomes.push(outcome)
  return outcomes
}

describe('convertManyStream over HTTP', () => {
  it('converts in input order through pipeThrough', async () => {
    const { client } = await setup({ latencyMs: (document) => (document.filename === names[0] ? 100 : 0) })
    const outcomes = await collect(itemsOf(paths).pipeThrough(convertManyStream({ client, concurrency: 4 })))
    expect(outcomes.map((outcome) => outcome.input)).toEqual(paths)
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true)
  })

  it('emits as finished when unordered', async () => {
    const { client, engine } = await setup({ hold: (document) => document.filename === names[0] })
    const reader = itemsOf(paths)
      .pipeThrough(convertManyStream({ client, concurrency: 4, ordered: false }))
      .getReader()
    const first = await reader.read()
    expect(first.value?.input).not.toBe(paths[0])
    await engine.gate.whenWaiting(1)
    // The three quick items come out while the first is held: read them all before letting it go. (Waiting for
    // their jobs to complete on the server was not enough: the client may learn of one after the released job.)
    const rest: ConvertManyOutput[] = []
    for (let quick = 1; quick < 3; quick++) {
      const next = await reader.read()
      if (!next.done) rest.push(next.value)
    }
    engine.gate.release()
    for (let next = await reader.read(); !next.done; next = await reader.read()) rest.push(next.value)
    expect(rest.at(-1)?.input).toBe(paths[0])
    expect(rest).toHaveLength(3)
  })

  it('with failFast, errors the output with the first failure and cancels the other jobs', async () => {
    const { client, engine } = await setup({
      hold: (document) => document.filename !== names[2],
      outcome: (document) =>
        document.filename === names[2]
          ? { type: 'fail', code: 'InvalidDocument', message: 'Broken' }
          : 'complete',
    })
    const failure = await collect(
      itemsOf(paths).pipeThrough(convertManyStream({ client, concurrency: 4, failFast: true })),
    ).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ItemFailedError)
    expect(failure).toMatchObject({ input: paths[2], cause: { code: 'InvalidDocument' } })
    await eventually(() => engine.gate.waiting.length === 0, 'the held conversions to be aborted')
    await eventually(async () => {
      const statuses = (await harnesses.current.jobs()).map((job) => job.status).sort()
      return statuses.join() === 'cancelled,cancelled,cancelled,failed'
    }, 'three cancelled jobs and one failed')
  })

  it('cancelling the output cancels every job in flight', async () => {
    const { client, engine } = await setup({ hold: true })
    let submitted = 0
    const reader = itemsOf(paths)
      .pipeThrough(
        convertManyStream({
          client,
          concurrency: 2,
          onProgress: (event) => {
            if (event.type === 'submitted') submitted++
          },
        }),
      )
      .getReader()
    const reading = reader.read()
    await engine.gate.whenWaiting(2)
    await eventually(() => submitted === 2, 'both job IDs')
    await reader.cancel()
    await expect(reading).resolves.toMatchObject({ done: true })

    const statuses = async () => (await harnesses.current.jobs()).map((job) => job.status).join()
    await eventually(async () => (await statuses()) === 'cancelled,cancelled', 'both jobs to be cancelled')
  })

  it('holds the producer back while the reader takes nothing (counted)', async () => {
    const { client, engine } = await setup()
    const highWaterMark = 2
    let pulled = 0
    const many = Array.from({ length: 30 }, (_, index) => paths[index % paths.length]!)
    const source = new ReadableStream<ConvertManyItem>(
      {
        pull(controller) {
          if (pulled === many.length) controller.close()
          else controller.enqueue(many[pulled++]!)
        },
      },
      { highWaterMark: 0 },
    )
    const output = source.pipeThrough(convertManyStream({ client, concurrency: 2, highWaterMark }))
    await eventually(() => engine.calls.length >= highWaterMark, 'the first conversions')
    await settle(200)
    expect(engine.calls.length).toBeLessThanOrEqual(highWaterMark)
    expect(pulled).toBeLessThanOrEqual(highWaterMark + 3)
    const outcomes = await collect(output)
    expect(outcomes.map((outcome) => outcome.input)).toEqual(many)
  })
})
