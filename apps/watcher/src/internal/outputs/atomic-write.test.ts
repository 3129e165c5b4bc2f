import { mkdir, readdir, readFile, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFileAtomic } from './atomic-write.js'

let folder: { path: string; remove(): Promise<void> }
beforeAll(async () => {
  folder = await tempDir()
})
afterAll(() => folder.remove())

describe('writeFileAtomic', () => {
  it('writes through a temp file and leaves nothing else behind', async () => {
    const out = join(folder.path, 'out')
    await mkdir(out)
    await writeFileAtomic(out, join(out, 'a', 'b.pdf.md'), '# one')
    await writeFileAtomic(out, join(out, 'a', 'b.pdf.md'), '# two')
    expect(await readFile(join(out, 'a', 'b.pdf.md'), 'utf8')).toBe('# two')
    expect(await readdir(join(out, 'a'))).toEqual(['b.pdf.md'])
  })

  it('refuses a folder that resolves outside the root', async () => {
    const out = join(folder.path, 'out2')
    await mkdir(out)
    await mkdir(join(folder.path, 'elsewhere'))
    await symlink(join(folder.path, 'elsewhere'), join(out, 'link'))
    await expect(writeFileAtomic(out, join(out, 'link', 'x.md'), 'x')).rejects.toThrow(/outside/)
    expect(await readdir(join(folder.path, 'elsewhere'))).toEqual([])
  })
})
