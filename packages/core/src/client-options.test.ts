import { setup } from '@numarkdown/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createClient, NuMarkdownClient } from './client.js'
import { ValidationError } from './errors.js'

async function rejection(run: () => unknown): Promise<ValidationError> {
  try {
    await run()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return error as ValidationError
  }
  throw new Error('expected a ValidationError')
}

describe('options are strict', () => {
  it('refuses a misspelt baseUrl instead of sending the token to the default service', async () => {
    const { server } = await setup(NuMarkdownClient)
    for (const create of [
      (options: object) => new NuMarkdownClient(options as never),
      (options: object) => createClient(options as never),
    ]) {
      const error = await rejection(() => create({ apiKey: server.token, baseURL: server.url }))
      expect(error.message).toBe('NuMarkdownClient options: unknown option baseURL: did you mean baseUrl?')
      expect(error.parameter).toBe('baseURL')
    }
    const nested = await rejection(
      () =>
        new NuMarkdownClient({
          apiKey: server.token,
          baseUrl: server.url,
          pollInterval: { max: 5 } as never,
        }),
    )
    expect(nested.message).toBe(
      'NuMarkdownClient options: pollInterval: unknown option max: did you mean maxMs?',
    )
    const retry = await rejection(
      () =>
        new NuMarkdownClient({
          apiKey: server.token,
          baseUrl: server.url,
          retryDelay: { baseMS: 5 } as never,
        }),
    )
    expect(retry.message).toContain('unknown option baseMS: did you mean baseMs?')
    expect(server.server.requests).toHaveLength(0)
  })

  it('accepts every documented key, and known keys set to undefined', async () => {
    const { server } = await setup(NuMarkdownClient)
    const client = new NuMarkdownClient({
      apiKey: server.token,
      baseUrl: server.url,
      concurrency: 2,
      maxRetries: 1,
      timeoutMs: 10_000,
      allowInsecureHttp: false,
      waitStrategy: 'auto',
      pingIntervalMs: 1000,
      pollInterval: { initialMs: 10, maxMs: 20 },
      logger: undefined,
      retryDelay: { baseMs: 1, maxMs: 2 },
      requestTimeoutMs: 5000,
    })
    onTestFinished(() => client.close())
    const result = await client.convert(
      { data: Buffer.from('known'), filename: 'k.txt', contentType: 'text/plain' },
      {
        temperature: 0,
        rasterizationDpi: 100,
        maxOutputTokens: 0,
        timeout: '1m',
        splitPages: false,
        pagesPerChunk: 1,
        filename: undefined,
        contentType: undefined,
        signal: new AbortController().signal,
        timeoutMs: 10_000,
        strategy: 'sse',
        onProgress: () => {},
      },
    )
    expect(result.markdown).toBe('known')
  })

  it('refuses an unknown key in every per-call options object before any request', async () => {
    const { client, server } = await setup(NuMarkdownClient)
    const cases: Array<[string, () => unknown]> = [
      [
        'convert() options: unknown option temprature: did you mean temperature?',
        () => client.convert(Buffer.from('x'), { temprature: 0.5 } as never),
      ],
      [
        'submit() options: unknown option fileName: did you mean filename?',
        () => client.submit(Buffer.from('x'), { fileName: 'x.txt' } as never),
      ],
      [
        'wait() options: unknown option cancelOnAbrot: did you mean cancelOnAbort?',
        () => client.wait('job', { cancelOnAbrot: false } as never),
      ],
      [
        'getJob() options: unknown option timeout: did you mean timeoutMs?',
        () => client.getJob('job', { timeout: 5 } as never),
      ],
      [
        'cancel() options: unknown option singal: did you mean signal?',
        () => client.cancel('job', { singal: undefined } as never),
      ],
      [
        'listJobs() options: unknown option per_page: did you mean perPage?',
        () => client.listJobs({ per_page: 10 } as never),
      ],
      [
        'the document input: unknown option contenttype: did you mean contentType?',
        () => client.convert({ data: Buffer.from('x'), contenttype: 'text/plain' } as never),
      ],
    ]
    for (const [message, run] of cases) expect((await rejection(run)).message).toBe(message)
    expect(server.server.requests).toHaveLength(0)
  })
})
