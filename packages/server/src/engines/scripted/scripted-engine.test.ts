import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EngineError } from '../../engine-error.js'
import type { EngineDocument, EngineParams } from '../../types.js'
import { scriptedEngine } from './scripted-engine.js'

let directory: string
const params: EngineParams = { temperature: 0, rasterizationDPI: 170, maxOutputTokens: 0 }

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'numarkdown-scripted-'))
})
afterAll(async () => {
  await rm(directory, { recursive: true, force: true })
})

async function documentOf(filename: string, content: string, contentType: string): Promise<EngineDocument> {
  const path = join(directory, filename)
  await writeFile(path, content)
  return { path, filename, contentType, size: Buffer.byteLength(content) }
}

describe('scriptedEngine', () => {
  it('echoes text-like inputs and summarises others, the same way every time', async () => {
    const engine = scriptedEngine()
    const signal = new AbortController().signal
    const csv = await documentOf('table.csv', 'a,b\n1,2\n', 'application/octet-stream')
    expect((await engine.convert(csv, params, signal)).result).toBe('a,b\n1,2\n')
    const binary = await documentOf('image.png', 'abc', 'image/png')
    const first = await engine.convert(binary, params, signal)
    expect(first.result).toContain('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(await engine.convert(binary, params, signal)).toEqual(first)
    expect(first.rawResponse).toBe(`<think>${first.reasoning}</think><answer>${first.result}</answer>`)
  })

  it('fails with an EngineError carrying the chosen code', async () => {
    const engine = scriptedEngine({ outcome: { type: 'fail', code: 'Broken', message: 'Broken file' } })
    const document = await documentOf('x.txt', 'x', 'text/plain')
    const failure = engine.convert(document, params, new AbortController().signal)
    await expect(failure).rejects.toBeInstanceOf(EngineError)
    await expect(failure).rejects.toMatchObject({ code: 'Broken', message: 'Broken file' })
  })

  it('hangs until aborted, and aborts its latency', async () => {
    const document = await documentOf('x.txt', 'x', 'text/plain')
    for (const engine of [scriptedEngine({ outcome: 'hang' }), scriptedEngine({ latencyMs: 60_000 })]) {
      const controller = new AbortController()
      const pending = engine.convert(document, params, controller.signal)
      setTimeout(() => controller.abort(new Error('stop')), 10)
      await expect(pending).rejects.toThrow()
    }
  })

  it('takes latency and outcome as functions of the document', async () => {
    const seen: string[] = []
    const engine = scriptedEngine({
      latencyMs: (document) => {
        seen.push(document.filename)
        return 1
      },
      outcome: (document) => (document.filename === 'p.txt' ? 'partial' : 'complete'),
    })
    const signal = new AbortController().signal
    const partial = await engine.convert(await documentOf('p.txt', 'p', 'text/plain'), params, signal)
    expect(partial).toMatchObject({ result: 'p', reasoning: '', rawResponse: '<answer>p</answer>' })
    expect(seen).toEqual(['p.txt'])
    expect(engine.calls).toHaveLength(1)
  })

  it('rejects a bad latency at construction', () => {
    expect(() => scriptedEngine({ latencyMs: -1 })).toThrow(
      'latencyMs must be a number ≥ 0 or a function, got -1',
    )
  })
})
