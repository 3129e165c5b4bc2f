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

  it('shortens a name that would pass 255 bytes with its longest suffix, keeping it unique and readable', () => {
    const fits = `${'a'.repeat(238)}.pdf` // 242 bytes: with .reasoning.md, exactly 255
    expect(outputPaths('/out', fits).reasoning).toBe(`/out/${fits}.reasoning.md`)
    const long = `${'a'.repeat(239)}.pdf`
    const paths = outputPaths('/out', `deep/${long}`)
    for (const path of Object.values(paths)) {
      expect(Buffer.byteLength(path.slice(path.lastIndexOf('/') + 1))).toBeLessThanOrEqual(255)
    }
    expect(paths.markdown).toMatch(/^\/out\/deep\/a+…~[0-9a-f]{8}\.pdf\.md$/)
    expect(paths.error).toMatch(/^\/out\/\.failed\/deep\/a+…~[0-9a-f]{8}\.pdf\.error\.json$/)
    expect(outputPaths('/out', `other/${long}`).markdown).not.toBe(paths.markdown.replace('deep', 'other'))
    // Multibyte: cut between whole characters (and whole emoji sequences), never inside one.
    const cjk = `${'文書'.repeat(42)}.pdf`
    const shortened = safeRelativePath(cjk)
    expect(Buffer.byteLength(shortened)).toBeLessThanOrEqual(242)
    expect(Buffer.from(shortened).toString()).toBe(shortened)
    expect(shortened).toMatch(/^(文書)+文?…~[0-9a-f]{8}\.pdf$/)
    const emoji = safeRelativePath(`${'👩‍💻'.repeat(30)}.png`)
    expect(emoji).toMatch(/^(👩‍💻)+…~[0-9a-f]{8}\.png$/)
  })
})
