import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ValidationError } from '@numarkdown/core'
import { describe, expect, it } from 'vitest'
import { convertMany } from './convert-many.js'
import { convertManyStream } from './convert-many-stream.js'
import { MarkdownTransform, toMarkdown } from './markdown-transform.js'
import { useHarness } from './test-helpers.js'
import { toMarkdownStream } from './to-markdown-stream.js'
import type { ConvertManyOutput } from './types.js'

const harnesses = useHarness()
const setup = harnesses.setup

function rejection(run: () => unknown): ValidationError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return error as ValidationError
  }
  throw new Error('expected a ValidationError')
}

function collect(outcomes: ConvertManyOutput[]) {
  return async (source: AsyncIterable<ConvertManyOutput>) => {
    for await (const outcome of source) outcomes.push(outcome)
  }
}

describe('options are strict', () => {
  it('every factory refuses an unknown key, naming it and the closest known one', async () => {
    const { client, server } = await setup()
    const cases: Array<[string, () => unknown]> = [
      [
        'MarkdownTransform options: unknown option fileName: did you mean filename?',
        () => toMarkdown({ client, fileName: 'a.pdf' } as never),
      ],
      [
        'MarkdownTransform options: unknown option includeReasonning: did you mean includeReasoning?',
        () => new MarkdownTransform({ client, includeReasonning: true } as never),
      ],
      [
        'toMarkdownStream options: unknown option highWatermark: did you mean highWaterMark?',
        () => toMarkdownStream({ client, highWatermark: 10 } as never),
      ],
      [
        'convertMany options: unknown option concurency: did you mean concurrency?',
        () => convertMany({ client, concurency: 2 } as never),
      ],
      [
        'convertManyStream options: unknown option failfast: did you mean failFast?',
        () => convertManyStream({ client, failfast: true } as never),
      ],
      // Client options given to a stream go to core's client, which is strict too.
      [
        'NuMarkdownClient options: unknown option baseURL: did you mean baseUrl?',
        () => toMarkdown({ client: { apiKey: server.token, baseURL: server.url } as never }),
      ],
    ]
    for (const [message, run] of cases) expect(rejection(run).message).toBe(message)
    expect(server.server.requests).toHaveLength(0)
  })

  it('refuses an unknown key in a convertMany item and in its params', async () => {
    const { client, server } = await setup()
    const item = { input: Buffer.from('x'), fileName: 'x.txt' }
    await expect(pipeline(Readable.from([item]), convertMany({ client }), collect([]))).rejects.toThrow(
      'convertMany item: unknown option fileName: did you mean filename?',
    )
    const params = { input: Buffer.from('x'), params: { temprature: 0 } }
    const failure = await pipeline(Readable.from([params]), convertMany({ client }), collect([])).catch(
      (error: unknown) => error,
    )
    expect(failure).toBeInstanceOf(ValidationError)
    expect((failure as Error).message).toBe(
      'convertMany item.params: unknown option temprature: did you mean temperature?',
    )
    expect(server.server.requests).toHaveLength(0)
  })

  it('passes only what core knows on to convert(): every stream option works in a real conversion', async () => {
    const { client, spoolDirectory } = await setup()
    const info: unknown[] = []
    const chunks: Buffer[] = []
    await pipeline(
      Readable.from([Buffer.from('# Every option')]),
      toMarkdown({
        client,
        filename: 'every.md',
        contentType: 'text/markdown',
        signal: new AbortController().signal,
        spoolThresholdBytes: 0,
        spoolDirectory,
        includeReasoning: true,
        highWaterMark: 1024,
        onProgress: () => {},
        onInfo: (details) => info.push(details),
        temperature: 0,
        rasterizationDpi: 150,
        maxOutputTokens: 0,
        timeout: '1m',
        splitPages: false,
        pagesPerChunk: 1,
        timeoutMs: 30_000,
        strategy: 'auto',
      }),
      new Writable({
        write: (chunk, _encoding, callback) => {
          chunks.push(chunk)
          callback()
        },
      }),
    )
    expect(Buffer.concat(chunks).toString()).toContain('# Every option')
    expect(info).toHaveLength(1)

    const outcomes: ConvertManyOutput[] = []
    await pipeline(
      Readable.from([
        {
          input: Buffer.from('many with params'),
          filename: 'm.txt',
          contentType: 'text/plain',
          params: { temperature: 0.5, strategy: 'poll' as const, timeoutMs: 30_000 },
        },
      ]),
      convertMany({
        client,
        concurrency: 2,
        ordered: false,
        failFast: true,
        highWaterMark: 4,
        onProgress: () => {},
        signal: new AbortController().signal,
        temperature: 0,
      }),
      collect(outcomes),
    )
    expect(outcomes).toMatchObject([{ ok: true, result: { markdown: 'many with params' } }])
  })
})
