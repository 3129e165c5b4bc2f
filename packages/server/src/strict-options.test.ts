import { ValidationError } from '@numarkdown/protocol'
import { describe, expect, it } from 'vitest'
import { localEngine } from './engines/local/local-engine.js'
import { openaiEngine } from './engines/openai/openai-engine.js'
import { scriptedEngine } from './engines/scripted/scripted-engine.js'
import { createServer, startServer } from './server.js'
import type { Engine } from './types.js'
import { startWorker } from './worker.js'

/** Runs a factory that should fail; closes what it created if it did not. */
async function failureOf(create: () => unknown): Promise<unknown> {
  let created: unknown
  const error = await (async () => {
    created = await create()
  })().catch((reason: unknown) => reason)
  await (created as Engine | undefined)?.close?.()
  return error
}

describe('strict options of the public factories', () => {
  it.each([
    [
      'startServer',
      () => startServer({ tokens: [], maxUploadByte: 10 } as never),
      'startServer options: unknown option maxUploadByte: did you mean maxUploadBytes?',
    ],
    [
      'createServer',
      () => createServer({ tokens: [], spoolDir: '/tmp' } as never),
      'createServer options: unknown option spoolDir',
    ],
    [
      'a token entry',
      () => createServer({ tokens: [{ token: 't', owner: 'o', organisation: 'acme' }] } as never),
      'options.tokens[0]: unknown option organisation: did you mean organization?',
    ],
    [
      'a fault rule',
      () =>
        createServer({
          tokens: [],
          faults: { rules: [{ route: 'submit', fault: { type: 'malformedJson' }, probablity: 1 }] },
        } as never),
      'faults.rules[0]: unknown option probablity: did you mean probability?',
    ],
    [
      'localEngine',
      () => localEngine({ ocrWorker: 2 } as never),
      'localEngine options: unknown option ocrWorker: did you mean ocrWorkers?',
    ],
    [
      'openaiEngine',
      () => openaiEngine({ baseURL: 'http://127.0.0.1:8000', model: 'm' } as never),
      'openaiEngine options: unknown option baseURL: did you mean baseUrl?',
    ],
    [
      'scriptedEngine',
      () => scriptedEngine({ latency: 5 } as never),
      'scriptedEngine options: unknown option latency: did you mean latencyMs?',
    ],
    [
      'startWorker',
      () => startWorker({ redis: 'redis://127.0.0.1:1', concurency: 2 } as never),
      'startWorker options: unknown option concurency: did you mean concurrency?',
    ],
  ])('%s rejects an unknown key', async (_name, create, message) => {
    const error = await failureOf(create)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toBe(message)
  })

  it.each([
    [
      'startServer',
      () => startServer({ tokens: [], engine: scriptedEngine(), concurrency: 0 }),
      'concurrency',
    ],
    ['createServer', () => createServer({ tokens: 'token' as never, engine: scriptedEngine() }), 'tokens'],
    ['localEngine', () => localEngine({ ocrWorkers: 0 }), 'ocrWorkers'],
    ['localEngine', () => localEngine({ languages: ['osd'] }), 'languages'],
    ['openaiEngine', () => openaiEngine({ baseUrl: 'ftp://x', model: 'm' }), 'baseUrl'],
    ['scriptedEngine', () => scriptedEngine({ latencyMs: -1 }), 'latencyMs'],
    [
      'startWorker',
      () => startWorker({ redis: 'redis://127.0.0.1:1', engine: scriptedEngine(), concurrency: 0 }),
      'concurrency',
    ],
    ['startServer in cluster mode', () => startServer({ tokens: [], redis: 'http://example.com' }), 'redis'],
    [
      'a fault rule',
      () =>
        createServer({
          tokens: [],
          engine: scriptedEngine(),
          faults: { rules: [{ route: 'submit', fault: { type: 'delay', ms: 1 }, probability: 2 }] },
        }),
      'probability',
    ],
  ])(
    '%s rejects a bad value with the ValidationError every package throws',
    async (_name, create, parameter) => {
      const error = await failureOf(create)
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).parameter).toBe(parameter)
    },
  )

  it('requires an engine wherever jobs run, naming the ones there are', async () => {
    const engines = '(localEngine(), openaiEngine({ baseUrl, model }) or scriptedEngine())'
    for (const [create, where] of [
      [() => startServer({ tokens: [] }), 'startServer'],
      [() => createServer({ tokens: [] }), 'createServer'],
      [() => startWorker({ redis: 'redis://127.0.0.1:1' } as never), 'startWorker'],
    ] as const) {
      const error = await failureOf(create)
      expect(error).toBeInstanceOf(ValidationError)
      expect(error).toMatchObject({
        parameter: 'engine',
        message: `${where} options: expected engine to be an engine with a convert() method ${engines}, got undefined`,
      })
    }
  })
})
