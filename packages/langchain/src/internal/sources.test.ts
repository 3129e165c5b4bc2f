import { createHash } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { ValidationError } from '@numarkdown/core'
import { describe, expect, it } from 'vitest'
import { deriveSourceName, planSources } from './sources.js'

describe('planSources', () => {
  it('names a path by itself, a file: URL by its path and a File by its name', () => {
    const file = new File(['x'], 'scan.png')
    const planned = planSources(['reports/q1.pdf', pathToFileURL('/data/q2.pdf'), file], undefined)
    expect(planned.map((source) => [source.name, source.named])).toEqual([
      ['reports/q1.pdf', false],
      ['/data/q2.pdf', false],
      ['scan.png', true],
    ])
  })

  it('leaves nameless Blobs and buffers to be named from their content', () => {
    const planned = planSources([new Blob(['x']), new Uint8Array([1]), new File(['y'], '')], undefined)
    expect(planned.map((source) => source.name)).toEqual([undefined, undefined, undefined])
  })

  it('lets sourceName override, per input with an array or a function', () => {
    expect(planSources(Buffer.from('a'), 'a.md')[0]?.name).toBe('a.md')
    expect(planSources('x.pdf', 'renamed.pdf')[0]).toMatchObject({ name: 'renamed.pdf', named: true })
    const inputs = [Buffer.from('a'), Buffer.from('b')]
    expect(planSources(inputs, [undefined, 'b.md']).map((source) => source.name)).toEqual([undefined, 'b.md'])
    expect(planSources(inputs, (_input, index) => `n${index}.md`).map((source) => source.name)).toEqual([
      'n0.md',
      'n1.md',
    ])
  })

  it('rejects duplicate names, which would merge two documents in an index', () => {
    expect(() => planSources(['a.pdf', 'a.pdf'], undefined)).toThrow(/input\[0\] and input\[1\].*"a.pdf"/)
  })

  it('rejects what it cannot read, naming the value received', () => {
    expect(() => planSources({ path: 'a.pdf' }, undefined)).toThrow(ValidationError)
    expect(() => planSources([Buffer.from('a'), null], undefined)).toThrow(/input\[1\].*got null/)
    expect(() => planSources('', undefined)).toThrow(/got ""/)
    expect(() => planSources(Buffer.from('a'), 7 as never)).toThrow(/sourceName.*got 7/)
    expect(() => planSources([Buffer.from('a')], [' '])).toThrow(/sourceName\[0\].*non-empty/)
  })
})

describe('deriveSourceName', () => {
  it('is the first 16 hex digits of the SHA-256, the same for a buffer and a Blob of the same bytes', async () => {
    const bytes = new Uint8Array(300_000).map((_, index) => index % 251)
    const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16)
    expect(await deriveSourceName(bytes)).toBe(`buffer-${digest}`)
    expect(await deriveSourceName(new Blob([bytes]))).toBe(`blob-${digest}`)
    expect(await deriveSourceName(new Uint8Array([1, 2]))).not.toBe(`buffer-${digest}`)
  })
})
