import { describe, expect, it } from 'vitest'
import { localEngine } from '../engines/local/local-engine.js'
import { openaiEngine } from '../engines/openai/openai-engine.js'
import { scriptedEngine } from '../engines/scripted/scripted-engine.js'
import { createServer, startServer } from '../server.js'
import type { Engine } from '../types.js'
import { checkKnownOptions } from './check-known-options.js'

describe('checkKnownOptions', () => {
  it('names the unknown key and the closest known one', () => {
    expect(() => checkKnownOptions({ baseURL: 'x' }, ['apiKey', 'baseUrl'], 'openaiEngine options')).toThrow(
      new TypeError('openaiEngine options: unknown option baseURL: did you mean baseUrl?'),
    )
  })

  it('names no suggestion when nothing is close', () => {
    expect(() => checkKnownOptions({ colour: 1 }, ['concurrency', 'tokens'], 'startServer options')).toThrow(
      new TypeError('startServer options: unknown option colour'),
    )
  })

  it('passes known keys and undefined, and refuses what is not an object', () => {
    expect(() => checkKnownOptions({ tokens: [] }, ['tokens'], 'x')).not.toThrow()
    expect(() => checkKnownOptions(undefined, ['tokens'], 'x')).not.toThrow()
    expect(() => checkKnownOptions('fast', ['tokens'], 'x')).toThrow(
      new TypeError('x: expected an options object, got "fast"'),
    )
  })
})

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
  ])('%s rejects an unknown key', async (_name, create, message) => {
    let created: unknown
    const error = await (async () => {
      created = await create()
    })().catch((reason: unknown) => reason)
    await (created as Engine | undefined)?.close?.()
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe(message)
  })
})
