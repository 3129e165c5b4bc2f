import { describe, expect, it } from 'vitest'
import { createFileFilter, isJunkName } from './file-filter.js'

describe('file filter', () => {
  it('drops temp and junk names', () => {
    for (const name of [
      'a.pdf.part',
      'b.crdownload',
      'c.tmp',
      '~$report.docx',
      '.hidden.pdf',
      '.a.pdf.Xy12Ab',
      '.DS_Store',
      'Thumbs.db',
      'x.pdf~',
    ]) {
      expect(isJunkName(name), name).toBe(true)
    }
    for (const name of ['report.pdf', 'scan 01.png', 'café.docx']) expect(isJunkName(name), name).toBe(false)
  })

  it('keeps wanted extensions, skips excluded patterns and junk folders', () => {
    const filter = createFileFilter(['pdf', 'docx'], ['drafts/**', '*.secret.pdf'])
    expect(filter.file('a/b/Report.PDF')).toBe(true)
    expect(filter.file('a/b/notes.txt')).toBe(false)
    expect(filter.file('drafts/x.pdf')).toBe(false)
    expect(filter.file('deep/plan.secret.pdf')).toBe(false)
    expect(filter.file('.done/x.pdf')).toBe(false)
    expect(filter.folder('.git')).toBe(false)
    expect(filter.folder('projects/2024')).toBe(true)
  })
})
