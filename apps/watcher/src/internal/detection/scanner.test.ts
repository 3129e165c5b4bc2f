import { execFileSync } from 'node:child_process'
import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFileFilter } from './file-filter.js'
import { scan } from './scanner.js'

let folder: { path: string; remove(): Promise<void> }
beforeAll(async () => {
  folder = await tempDir()
})
afterAll(() => folder.remove())

describe('scan', () => {
  it('finds documents, reports bad links, and follows no folder link', async () => {
    const inbox = join(folder.path, 'inbox')
    await mkdir(join(inbox, 'sub', 'deeper'), { recursive: true })
    await mkdir(join(inbox, 'out'))
    await writeFile(join(folder.path, 'secret.pdf'), '%PDF-')
    await writeFile(join(inbox, 'a.pdf'), 'x')
    await writeFile(join(inbox, 'sub', 'deeper', 'b.docx'), 'x')
    await writeFile(join(inbox, 'sub', 'notes.xyz'), 'x')
    await writeFile(join(inbox, 'out', 'skipped.pdf'), 'x')
    await writeFile(join(inbox, 'c.pdf.part'), 'x')
    await symlink('loop.pdf', join(inbox, 'loop.pdf'))
    await symlink(join(folder.path, 'secret.pdf'), join(inbox, 'leak.pdf'))
    await symlink('a.pdf', join(inbox, 'alias.pdf'))
    await symlink(inbox, join(inbox, 'sub', 'cycle'))
    execFileSync('mkfifo', [join(inbox, 'pipe.pdf')])
    const found = await scan({
      inbox,
      realInbox: await realpath(inbox),
      filter: createFileFilter(['pdf', 'docx'], []),
      skipFolders: [join(inbox, 'out')],
    })
    const kinds = Object.fromEntries([...found].map(([path, inspection]) => [path, inspection.kind]))
    expect(kinds).toMatchObject({
      'a.pdf': 'file',
      'alias.pdf': 'file',
      'sub/deeper/b.docx': 'file',
      'loop.pdf': 'problem',
      'leak.pdf': 'problem',
      'pipe.pdf': 'problem',
    })
    expect(Object.keys(kinds)).not.toContain('out/skipped.pdf')
    expect(Object.keys(kinds).some((path) => path.includes('cycle'))).toBe(false)
    expect(found.get('loop.pdf')).toMatchObject({ code: 'ELOOP' })
    expect(found.get('leak.pdf')).toMatchObject({ code: 'OUTSIDE_INBOX' })
  })
})
