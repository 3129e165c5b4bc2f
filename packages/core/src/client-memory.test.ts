/**
 * What the client keeps of a conversion once the caller has its result: nothing. A client that converts many
 * documents one after another (a long PDF read page by page, a folder watched for days) must not hold the
 * results it has handed out, whatever else is waiting in its queue.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { scriptedEngine } from '@numarkdown/server'
import { setup } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { NuMarkdownClient } from './client.js'
import type { ConversionResult } from './types.js'

setFlagsFromString('--expose-gc')
/** A full collection, made available to this test file only. */
const collectGarbage = runInNewContext('gc') as () => void

/** Whether the objects `references` point to are gone after a full collection. */
async function collected(references: readonly WeakRef<object>[]): Promise<boolean[]> {
  // A WeakRef keeps its target alive until the end of the turn that created or read it.
  await nextTurn()
  collectGarbage()
  return references.map((reference) => reference.deref() === undefined)
}

describe('client memory', () => {
  it("lets go of a finished conversion's result while other conversions still wait in its queue", async () => {
    const engine = scriptedEngine({ hold: (document) => document.filename.startsWith('held') })
    const { client } = await setup(NuMarkdownClient, { engine }, { concurrency: 1 })
    const documentOf = (filename: string) => Buffer.from(`# ${filename}\n\n${'text '.repeat(1000)}`)
    const convert = (filename: string, data = documentOf(filename)) => client.convert({ data, filename })
    // One slot: the first held document takes it, and everything after waits in the client's queue in order.
    const first = convert('held-first.md')
    await engine.gate.whenWaiting(1)
    // Only weak references to the documents and their results outlive these lines: the caller let them go.
    const documents = ['a.md', 'b.md', 'c.md'].map((filename) => ({ filename, data: documentOf(filename) }))
    const uploads = documents.map(({ data }) => new WeakRef(data))
    const finished = Promise.all(
      documents.splice(0).map(({ filename, data }) => convert(filename, data)),
    ).then((results) => results.map((result: ConversionResult) => new WeakRef(result)))
    const second = convert('held-second.md')
    const last = convert('last.md')
    // Awaited at the end; a failed assertion before then closes the client, which rejects these.
    const rest = Promise.all([first, second, last])
    rest.catch(() => {})
    engine.gate.release('held-first.md')
    const references = await finished
    // a, b and c are done and the second held document has the slot, while the last one still waits.
    const [held] = await engine.gate.whenWaiting(1)
    expect(held?.filename).toBe('held-second.md')
    expect(await collected(references)).toEqual([true, true, true])
    expect(await collected(uploads)).toEqual([true, true, true])
    engine.gate.release()
    const results = await rest
    expect(results.map((result) => result.markdown.split('\n')[0])).toEqual([
      '# held-first.md',
      '# held-second.md',
      '# last.md',
    ])
  })
})
