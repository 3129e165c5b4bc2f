import { safeRelativePath } from 'numarkdown-watch/outputs'
import { describe, expect, it } from 'vitest'
import { type OutputSettings, planOutputs } from './output-paths.js'

const base: OutputSettings = {
  outputIsFolder: false,
  outputIsFile: false,
  stemNames: false,
  json: false,
  reasoning: false,
  cwd: '/work',
}
const sources = [
  { display: 'docs/a.pdf', name: 'a.pdf' },
  { display: 'docs/sub/a.docx', name: 'sub/a.docx' },
]

describe('output paths', () => {
  it('names outputs in a folder like numarkdown-watch: the relative path plus .md, reasoning beside', () => {
    const plans = planOutputs(sources, { ...base, output: 'out', reasoning: true })
    expect(plans).toEqual([
      {
        result: { kind: 'file', path: '/work/out/a.pdf.md', within: '/work/out' },
        reasoning: { kind: 'file', path: '/work/out/a.pdf.reasoning.md', within: '/work/out' },
      },
      {
        result: { kind: 'file', path: '/work/out/sub/a.docx.md', within: '/work/out' },
        reasoning: { kind: 'file', path: '/work/out/sub/a.docx.reasoning.md', within: '/work/out' },
      },
    ])
    expect(planOutputs(sources, { ...base, output: 'out', json: true })[0]!.result).toMatchObject({
      kind: 'file',
      path: '/work/out/a.pdf.json',
    })
  })

  it('names them <stem>.md with --stem-names, and refuses two sources for one file', () => {
    expect(planOutputs(sources, { ...base, output: 'out', stemNames: true })[1]!.result).toMatchObject({
      kind: 'file',
      path: '/work/out/sub/a.md',
    })
    const clash = [
      { display: 'a.pdf', name: 'a.pdf' },
      { display: 'a.docx', name: 'a.docx' },
    ]
    expect(() => planOutputs(clash, { ...base, output: 'out', stemNames: true })).toThrow(
      'a.pdf and a.docx would both write /work/out/a.md (drop --stem-names',
    )
  })

  it('one document goes to the file -o names, or into the folder -o names', () => {
    const one = [sources[0]!]
    expect(planOutputs(one, { ...base, output: 'report.md', reasoning: true })).toEqual([
      {
        result: { kind: 'file', path: '/work/report.md' },
        reasoning: { kind: 'file', path: '/work/report.reasoning.md' },
      },
    ])
    expect(planOutputs(one, { ...base, output: 'out/' })[0]!.result).toMatchObject({
      kind: 'file',
      path: '/work/out/a.pdf.md',
    })
    expect(planOutputs(one, { ...base, output: 'existing', outputIsFolder: true })[0]!.result).toMatchObject({
      kind: 'file',
      path: '/work/existing/a.pdf.md',
    })
  })

  it('stdout for one document, JSON lines for many, and a usage error otherwise', () => {
    expect(planOutputs([sources[0]!], { ...base, reasoning: true })).toEqual([
      { result: { kind: 'stdout' }, reasoning: { kind: 'inline' } },
    ])
    expect(planOutputs(sources, { ...base, json: true })).toHaveLength(2)
    expect(() => planOutputs(sources, base)).toThrow('2 documents: give -o <folder>')
    expect(() => planOutputs(sources, { ...base, output: 'out', reasoning: 'r.md' })).toThrow(
      '--reasoning=r.md is one file for 2 documents',
    )
    expect(() => planOutputs(sources, { ...base, output: 'x.md', outputIsFile: true })).toThrow(
      '-o x.md is a file, but 2 documents need a folder',
    )
  })

  it('never leaves the folder and removes control characters', () => {
    expect(
      planOutputs([{ display: 'x', name: '../../etc/passwd' }], { ...base, output: 'out/' })[0]!.result,
    ).toMatchObject({
      path: expect.stringMatching(/^\/work\/out\/_\.\.\/_\.\.\/etc\/passwd~[0-9a-f]{8}\.md$/),
    })
    expect(safeRelativePath('line\nbreak.pdf')).toMatch(/^line_break\.pdf~[0-9a-f]{8}$/)
    expect(safeRelativePath('ünï cödé/ファイル.pdf')).toBe('ünï cödé/ファイル.pdf')
  })

  it('shortens a long name so that its outputs, reasoning included, fit the 255-byte limit of a file name', () => {
    const name = `${'報告書'.repeat(30)}.pdf`
    const [plan] = planOutputs([{ display: name, name }], { ...base, output: 'out/', reasoning: true })
    for (const destination of [plan!.result, plan!.reasoning]) {
      const path = destination.kind === 'file' ? destination.path : ''
      const fileName = path.slice(path.lastIndexOf('/') + 1)
      expect(Buffer.byteLength(fileName)).toBeLessThanOrEqual(255)
      expect(fileName).toMatch(/^報告書.*…~[0-9a-f]{8}\.pdf\.(reasoning\.)?md$/)
    }
  })
})
