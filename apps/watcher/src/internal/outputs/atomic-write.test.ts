import { mkdir, readdir, readFile, rm, symlink } from 'node:fs/promises'
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

  it('writes many files into one folder at once, each whole, and still refuses a folder swapped for a link', async () => {
    const out = join(folder.path, 'out3')
    await writeFileAtomic(out, join(out, 'first.md'), 'first') // the root is made when missing
    const names = Array.from({ length: 50 }, (_, index) => `doc-${index}.md`)
    await Promise.all(names.map((name) => writeFileAtomic(out, join(out, 'a', name), `# ${name}`)))
    expect((await readdir(join(out, 'a'))).sort()).toEqual([...names].sort())
    for (const name of names) expect(await readFile(join(out, 'a', name), 'utf8')).toBe(`# ${name}`)
    // Written into once already: the folder is looked at again all the same.
    await mkdir(join(folder.path, 'elsewhere3'))
    await rm(join(out, 'a'), { recursive: true })
    await symlink(join(folder.path, 'elsewhere3'), join(out, 'a'))
    await expect(writeFileAtomic(out, join(out, 'a', 'x.md'), 'x')).rejects.toThrow(/outside/)
    expect(await readdir(join(folder.path, 'elsewhere3'))).toEqual([])
    // The root removed during a run is made again.
    await rm(out, { recursive: true })
    await writeFileAtomic(out, join(out, 'again.md'), 'again')
    expect(await readFile(join(out, 'again.md'), 'utf8')).toBe('again')
  })
})
