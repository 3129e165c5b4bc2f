import { describe, expect, it } from 'vitest'
import { inside, outputPaths, safeRelativePath } from './output-paths.js'

describe('output paths', () => {
  it('mirrors the inbox and keeps the extension so a.pdf and a.docx do not collide', () => {
    expect(outputPaths('/out', 'x/a.pdf')).toEqual({
      markdown: '/out/x/a.pdf.md',
      reasoning: '/out/x/a.pdf.reasoning.md',
      error: '/out/.failed/x/a.pdf.error.json',
    })
    expect(outputPaths('/out', 'x/a.docx').markdown).toBe('/out/x/a.docx.md')
  })

  it('never leaves the output folder and removes control characters', () => {
    expect(inside('/out', '../../etc/passwd')).toMatch(/^\/out\/_\.\.\/_\.\.\/etc\/passwd~[0-9a-f]{8}$/)
    expect(inside('/out', '/abs/x.pdf')).toBe('/out/abs/x.pdf')
    const cleaned = safeRelativePath('line\nbreak.pdf')
    expect(cleaned).toMatch(/^line_break\.pdf~[0-9a-f]{8}$/)
    expect(safeRelativePath('line_break.pdf')).toBe('line_break.pdf')
    expect(safeRelativePath('ünï cödé/ファイル.pdf')).toBe('ünï cödé/ファイル.pdf')
  })
})
