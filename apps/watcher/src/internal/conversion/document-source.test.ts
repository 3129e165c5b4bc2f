import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { mkdir, open, realpath, stat, symlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFileFilter } from '../detection/file-filter.js'
import { signatureOf } from '../detection/file-signature.js'
import type { ScanContext } from '../detection/scanner.js'
import { DocumentSource } from './document-source.js'

let folder: { path: string; remove(): Promise<void> }
let context: ScanContext
beforeAll(async () => {
  folder = await tempDir()
  context = {
    inbox: folder.path,
    realInbox: await realpath(folder.path),
    filter: createFileFilter(['txt'], []),
    skipFolders: [],
  }
})
afterAll(() => folder.remove())

/** The bytes of what the client would upload. */
async function uploaded(source: DocumentSource): Promise<Buffer> {
  const input = await source.input()
  const data = typeof input === 'object' && 'data' in input ? input.data : input
  if (data instanceof Uint8Array) return Buffer.from(data)
  return Buffer.from(await (data as Blob).arrayBuffer())
}

describe('DocumentSource', () => {
  it('uploads the very bytes it hashed, even when the file is rewritten in place meanwhile', async () => {
    const file = join(folder.path, 'note.txt')
    const original = 'the content that held still\n'.repeat(100)
    await writeFile(file, original)
    const source = new DocumentSource({ context, path: 'note.txt', signature: signatureOf(await stat(file)) })
    try {
      expect(await source.open()).toBeUndefined()
      const sha256 = await source.hashIfStill()
      expect(sha256).toBe(createHash('sha256').update(original).digest('hex'))
      // Rewritten in place, same size, mtime put back: only the ctime tells (and the check after the upload).
      const before = await stat(file)
      const handle = await open(file, 'r+')
      await handle.write('X'.repeat(original.length), 0)
      await handle.close()
      await utimes(file, before.atime, before.mtime)
      expect((await uploaded(source)).toString()).toBe(original)
      expect(await source.changedSinceOpened()).toBe(true)
    } finally {
      await source.close()
    }
  })

  it('streams a large document from the open file, hashed as a whole', async () => {
    const file = join(folder.path, 'large.txt')
    const content = Buffer.alloc(3 * 1024 * 1024 + 17, 'abc')
    await writeFile(file, content)
    const source = new DocumentSource({
      context,
      path: 'large.txt',
      signature: signatureOf(await stat(file)),
    })
    try {
      expect(await source.open()).toBeUndefined()
      expect(await source.hashIfStill()).toBe(createHash('sha256').update(content).digest('hex'))
      const input = await source.input()
      expect(typeof input === 'object' && 'data' in input && input.data instanceof Uint8Array).toBe(false)
      expect((await uploaded(source)).equals(content)).toBe(true)
      expect(await source.changedSinceOpened()).toBe(false)
    } finally {
      await source.close()
    }
  })

  it('checks the very bytes it hashes and uploads, read once, even when the file is rewritten meanwhile', async () => {
    const file = join(folder.path, 'whole.pdf')
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n')
    await writeFile(file, pdf)
    const source = new DocumentSource({
      context,
      path: 'whole.pdf',
      signature: signatureOf(await stat(file)),
    })
    try {
      expect(await source.open()).toBeUndefined()
      expect(await source.defect('pdf')).toBeUndefined()
      // Cut off in place, mtime put back: the check already read the content, which is what is hashed and sent.
      const before = await stat(file)
      const handle = await open(file, 'r+')
      await handle.truncate(10)
      await handle.close()
      await utimes(file, before.atime, before.mtime)
      expect(await source.defect('pdf')).toBeUndefined()
      expect(await source.hashIfStill()).toBe(createHash('sha256').update(pdf).digest('hex'))
      expect((await uploaded(source)).equals(pdf)).toBe(true)
    } finally {
      await source.close()
    }
  })

  it('reports a document that is not whole yet, and one that moved before it was read', async () => {
    const cut = join(folder.path, 'cut.pdf')
    await writeFile(cut, '%PDF-1.4\n1 0 obj << >> endobj\n')
    const incomplete = new DocumentSource({
      context,
      path: 'cut.pdf',
      signature: signatureOf(await stat(cut)),
    })
    try {
      expect(await incomplete.open()).toBeUndefined()
      expect(await incomplete.defect('pdf')).toMatchObject({ code: 'INCOMPLETE', final: false })
    } finally {
      await incomplete.close()
    }
    const moved = new DocumentSource({
      context,
      path: 'cut.pdf',
      signature: { ...signatureOf(await stat(cut)), size: 3 },
    })
    try {
      expect(await moved.open()).toBeUndefined()
      expect(await moved.defect('pdf')).toBe('changed')
    } finally {
      await moved.close()
    }
  })

  it('reads a small document on a local file system whole in the call that opens it', async () => {
    const file = join(folder.path, 'at-once.txt')
    const original = 'read before anything else runs\n'.repeat(20)
    await writeFile(file, original)
    const source = new DocumentSource({
      context,
      path: 'at-once.txt',
      signature: signatureOf(await stat(file)),
    })
    try {
      const opening = source.open()
      // Rewritten before the event loop turns: a document read by then is the one that held still.
      writeFileSync(file, 'rewritten at once\n')
      expect(await opening).toBeUndefined()
      expect(await source.hashIfStill()).toBe(createHash('sha256').update(original).digest('hex'))
      expect((await uploaded(source)).toString()).toBe(original)
      expect(await source.changedSinceOpened()).toBe(true)
    } finally {
      await source.close()
      await source.close()
    }
  })

  it('refuses what is no regular file or lies out of the inbox, however small', async () => {
    const outside = await tempDir()
    try {
      await writeFile(join(outside.path, 'secret.txt'), 'outside the inbox\n')
      await symlink(outside.path, join(folder.path, 'linked-folder'))
      const through = new DocumentSource({
        context,
        path: 'linked-folder/secret.txt',
        signature: signatureOf(await stat(join(outside.path, 'secret.txt'))),
      })
      try {
        expect(await through.open()).toMatchObject({ kind: 'problem', code: 'OUTSIDE_INBOX' })
      } finally {
        await through.close()
      }
      await mkdir(join(folder.path, 'pipes'))
      execFileSync('mkfifo', [join(folder.path, 'pipes', 'pipe.txt')])
      const pipe = new DocumentSource({
        context,
        path: 'pipes/pipe.txt',
        signature: signatureOf(await stat(join(folder.path, 'pipes', 'pipe.txt'))),
      })
      try {
        expect(await pipe.open()).toMatchObject({ kind: 'problem', code: 'NOT_A_FILE' })
      } finally {
        await pipe.close()
      }
    } finally {
      await outside.remove()
    }
  })
})
