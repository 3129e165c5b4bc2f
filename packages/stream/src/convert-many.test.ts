import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { corpusPath, eventually } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { convertMany } from './convert-many.js'
import { InvalidItemError, ItemFailedError } from './errors.js'
import { type Harness, settle, useHarness } from './test-helpers.js'
import type { ConvertManyItem, ConvertManyOutput } from './types.js'

const harnesses = useHarness()
const setup = harnesses.setup

const names = [
  'multi_page.pdf',
  'code_and_formula.pdf',
  'ocr_test.pdf',
  'right_to_left_01.pdf',
  'table_mislabeled_as_picture.pdf',
  'picture_classification.pdf',
]
const paths = names.map((name) => corpusPath(name))

function collect(outcomes: ConvertManyOutput[]) {
  return async (source: AsyncIterable<ConvertManyOutput>) => {
    for await (const outcome of source) outcomes.push(outcome)
  }
}

describe('convertMany over HTTP', () => {
  it('converts corpus files in input order', async () => {
    // Later files finish first: the first takes longest.
    const { client } = await setup({ latencyMs: (document) => (document.filename === names[0] ? 150 : 0) })
    const outcomes: ConvertManyOutput[] = []
    const stream = convertMany({ client, concurrency: 3 })
    const done = new Set<unknown>()
    stream.on('progress', (event: { type: string }, input: unknown) => {
      if (event.type === 'done') done.add(input)
    })
    await pipeline(Readable.from(paths), stream, collect(outcomes))
    expect(outcomes.map((outcome) => outcome.input)).toEqual(paths)
    expect(done).toEqual(new Set(paths))
    for (const [index, outcome] of outcomes.entries()) {
      expect(outcome.ok).toBe(true)
      if (outcome.ok) expect(outcome.result.markdown).toContain(`# ${names[index]}`)
    }
  })

  it('emits as finished when unordered', async () => {
    const { client, engine } = await setup({ hold: (document) => document.filename === names[0] })
    const outcomes: ConvertManyOutput[] = []
    const stream = convertMany({ client, concurrency: 3, ordered: false })
    const done = pipeline(Readable.from(paths.slice(0, 3)), stream, collect(outcomes))
    await eventually(() => outcomes.length === 2, 'the two quick items')
    await engine.gate.whenWaiting(1)
    engine.gate.release()
    await done
    expect(outcomes.slice(0, 2).map((outcome) => outcome.input)).toEqual(
      expect.arrayContaining(paths.slice(1, 3)),
    )
    expect(outcomes[2]?.input).toBe(paths[0])
  })

  it('holds finished items back while an earlier one runs, when ordered', async () => {
    const { client, engine } = await setup({ hold: (document) => document.filename === names[0] })
    const outcomes: ConvertManyOutput[] = []
    const done = pipeline(
      Readable.from(paths.slice(0, 3)),
      convertMany({ client, concurrency: 3 }),
      collect(outcomes),
    )
    await engine.gate.whenWaiting(1)
    await eventually(async () => {
      const jobs = await harnesses.current.jobs()
      return jobs.filter((job) => job.status === 'completed').length === 2
    }, 'the two later items to complete')
    await settle(50)
    expect(outcomes).toEqual([])
    engine.gate.release()
    await done
    expect(outcomes.map((outcome) => outcome.input)).toEqual(paths.slice(0, 3))
  })

  it('reports a failed item as an outcome and carries on', async () => {
    const { client } = await setup({
      outcome: (document) =>
        document.filename === names[1]
          ? { type: 'fail', code: 'InvalidDocument', message: 'Broken' }
          : 'complete',
    })
    const outcomes: ConvertManyOutput[] = []
    const items: ConvertManyItem[] = [
      paths[0]!,
      new URL(`file://${paths[1]}`),
      { input: paths[2]!, filename: 'renamed.pdf', params: { temperature: 0.5 } },
    ]
    await pipeline(Readable.from(items), convertMany({ client }), collect(outcomes))
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false, true])
    expect(outcomes[1]).toMatchObject({
      input: items[1],
      error: { name: 'JobFailedError', code: 'InvalidDocument' },
    })
    const third = outcomes[2]
    expect(third?.ok && third.result.markdown).toContain('# renamed.pdf')
    expect(
      harnesses.current.engine.calls.find((call) => call.document.filename === 'renamed.pdf')?.params
        .temperature,
    ).toBe(0.5)
  })

  it('with failFast, the first failure rejects the pipeline and cancels the jobs still running', async () => {
    const { client, engine } = await setup({
      hold: (document) => document.filename !== names[1],
      outcome: (document) =>
        document.filename === names[1]
          ? { type: 'fail', code: 'InvalidDocument', message: 'Broken' }
          : 'complete',
    })
    const outcomes: ConvertManyOutput[] = []
    const stream = convertMany({ client, concurrency: 3, failFast: true })
    const done = pipeline(Readable.from(paths), stream, collect(outcomes))
    const failure = await done.catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ItemFailedError)
    expect(failure).toMatchObject({
      input: paths[1],
      cause: { name: 'JobFailedError', code: 'InvalidDocument' },
    })
    await new Promise((resolve) => (stream.closed ? resolve(undefined) : stream.once('close', resolve)))
    await eventually(() => engine.gate.waiting.length === 0, 'the held conversions to be aborted')
    const statuses = async () =>
      (await harnesses.current.jobs())
        .map((job) => job.status)
        .sort()
        .join()
    await eventually(
      async () => (await statuses()) === 'cancelled,cancelled,failed',
      'two cancelled jobs, one failed',
    )
    expect(outcomes).toEqual([])
    expect(engine.calls).toHaveLength(3)
  })

  it('destroy() cancels every job in flight', async () => {
    const { client, engine } = await setup({ hold: true })
    let submitted = 0
    const stream = convertMany({
      client,
      concurrency: 2,
      onProgress: (event) => {
        if (event.type === 'submitted') submitted++
      },
    })
    const done = pipeline(Readable.from(paths), stream, collect([]))
    await engine.gate.whenWaiting(2)
    await eventually(() => submitted === 2, 'both job IDs')
    stream.destroy()
    await expect(done).rejects.toThrow(/premature close/i)
    await new Promise((resolve) => (stream.closed ? resolve(undefined) : stream.once('close', resolve)))
    const statuses = async () => (await harnesses.current.jobs()).map((job) => job.status).join()
    await eventually(async () => (await statuses()) === 'cancelled,cancelled', 'both jobs to be cancelled')
  })

  it('never runs more than `concurrency` conversions, nor pulls far ahead of a slow reader (counted)', async () => {
    const { client, engine } = await setup({ hold: true })
    const concurrency = 2
    const highWaterMark = 3
    let pulled = 0
    const many = Array.from({ length: 40 }, (_, index) => paths[index % paths.length]!)
    const source = new Readable({
      objectMode: true,
      highWaterMark: 1,
      read() {
        pulled++
        this.push(pulled <= many.length ? many[pulled - 1] : null)
      },
    })
    const stream = convertMany({ client, concurrency, highWaterMark })
    let reading = false
    let releaseReader: () => void = () => {}
    const outcomes: ConvertManyOutput[] = []
    const slowReader = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(outcome: ConvertManyOutput, _encoding, callback) {
        outcomes.push(outcome)
        if (reading) callback()
        else releaseReader = () => callback()
      },
    })
    const done = pipeline(source, stream, slowReader)
    let maxHeld = 0
    // Let every held conversion through, one at a time, while the reader takes nothing.
    for (let round = 0; round < many.length; round++) {
      if (engine.gate.waiting.length === 0 && (await quiet(engine))) break
      expect(engine.gate.waiting.length).toBeLessThanOrEqual(concurrency)
      engine.gate.release()
      await settle(20)
      maxHeld = Math.max(maxHeld, engine.calls.length - outcomes.length)
    }
    const startedWhileStalled = engine.calls.length
    // The writable side holds up to highWaterMark items, the pool one more, the source one: the producer
    // is far from done, whatever it could produce.
    expect(pulled).toBeLessThanOrEqual(startedWhileStalled + highWaterMark + 3)
    expect(pulled).toBeLessThan(many.length)
    // At most highWaterMark items in flight or unread, plus one in the reader's hands and its buffer.
    expect(startedWhileStalled - outcomes.length).toBeLessThanOrEqual(highWaterMark + 1)
    expect(maxHeld).toBeLessThanOrEqual(highWaterMark + 1)
    reading = true
    engine.gate.open()
    releaseReader()
    await done
    expect(outcomes).toHaveLength(many.length)
    expect(outcomes.map((outcome) => outcome.input)).toEqual(many)
  })

  it('rejects an item that is neither a path nor { input }', async () => {
    const { client } = await setup()
    await expect(pipeline(Readable.from([42]), convertMany({ client }), collect([]))).rejects.toThrow(
      InvalidItemError,
    )
    await expect(
      pipeline(Readable.from([{ path: 'a.pdf' }]), convertMany({ client }), collect([])),
    ).rejects.toThrow(/got an object \(Object\)/)
  })
})

/** True when no conversion starts within a short while: the pool is waiting for the reader. */
async function quiet(engine: Harness['engine']): Promise<boolean> {
  const before = engine.calls.length
  await settle(100)
  return engine.calls.length === before && engine.gate.waiting.length === 0
}
