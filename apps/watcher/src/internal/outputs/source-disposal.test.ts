import { execFileSync } from 'node:child_process'
import { lstat, mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { disposeSource } from './source-disposal.js'

/** A second file system (a tmpfs) makes a move a copy: only where the tests may mount one (as root). */
async function canMount(): Promise<boolean> {
  const folder = await tempDir()
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', folder.path], { stdio: 'ignore' })
    execFileSync('umount', [folder.path], { stdio: 'ignore' })
    return true
  } catch {
    return false
  } finally {
    await folder.remove()
  }
}

const mountWorks = await canMount()

describe('disposeSource', () => {
  it('moves to the done folder, never over an earlier document of the same name', async () => {
    const folder = await tempDir()
    try {
      const done = join(folder.path, 'done')
      for (const content of ['first', 'second']) {
        await writeFile(join(folder.path, 'a.pdf'), content)
        await disposeSource({
          how: 'move',
          absolute: join(folder.path, 'a.pdf'),
          doneDir: done,
          path: 'a.pdf',
        })
      }
      expect(await readFile(join(done, 'a.pdf'), 'utf8')).toBe('first')
      expect(await readFile(join(done, 'a.pdf.1'), 'utf8')).toBe('second')
    } finally {
      await folder.remove()
    }
  })

  it.runIf(mountWorks)(
    'moves a symlink across file systems as a link, never a copy of its target',
    async () => {
      const folder = await tempDir()
      const done = join(folder.path, 'done')
      await mkdir(done)
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', done])
      try {
        await mkdir(join(folder.path, 'inbox'))
        await writeFile(join(folder.path, 'outside.txt'), 'outside')
        await symlink('../outside.txt', join(folder.path, 'inbox', 'link.txt'))
        await disposeSource({
          how: 'move',
          absolute: join(folder.path, 'inbox', 'link.txt'),
          doneDir: done,
          path: 'link.txt',
        })
        expect((await lstat(join(done, 'link.txt'))).isSymbolicLink()).toBe(true)
        expect(await readlink(join(done, 'link.txt'))).toBe(join(folder.path, 'outside.txt'))
      } finally {
        execFileSync('umount', [done])
        await folder.remove()
      }
    },
  )
})
