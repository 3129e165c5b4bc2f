import { describe, expect, it } from 'vitest'
import type { EngineDocument } from '../../types.js'
import { createGate } from './gate.js'

const document = (filename: string): EngineDocument => ({
  path: `/tmp/${filename}`,
  filename,
  contentType: 'text/plain',
  size: 1,
})

describe('createGate', () => {
  it('holds documents until released, by filename or predicate', async () => {
    const gate = createGate()
    const signal = new AbortController().signal
    const passed: string[] = []
    for (const name of ['a.pdf', 'b.pdf', 'c.pdf']) {
      void gate.pass(document(name), signal).then(() => passed.push(name))
    }
    const waiting = await gate.whenWaiting(3)
    expect(waiting.map((entry) => entry.filename)).toEqual(['a.pdf', 'b.pdf', 'c.pdf'])
    expect(gate.release('b.pdf')).toBe(1)
    expect(gate.release((entry) => entry.filename === 'c.pdf')).toBe(1)
    await new Promise((resolve) => setImmediate(resolve))
    expect(passed).toEqual(['b.pdf', 'c.pdf'])
    expect(gate.release()).toBe(1)
    expect(gate.release()).toBe(0)
  })

  it('lets everything through once open, until shut', async () => {
    const gate = createGate()
    const signal = new AbortController().signal
    const held = gate.pass(document('a'), signal)
    gate.open()
    await held
    await gate.pass(document('b'), signal)
    gate.shut()
    void gate.pass(document('c'), signal)
    expect((await gate.whenWaiting()).map((entry) => entry.filename)).toEqual(['c'])
    gate.release()
  })

  it('rejects with the abort reason and forgets the document', async () => {
    const gate = createGate()
    const controller = new AbortController()
    const held = gate.pass(document('a'), controller.signal)
    await gate.whenWaiting()
    controller.abort(new Error('cancelled'))
    await expect(held).rejects.toThrow('cancelled')
    expect(gate.waiting).toEqual([])
  })
})
