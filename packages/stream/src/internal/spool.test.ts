import { readdir, readFile } from 'node:fs/promises'
import { tempDir } from '@numarkdown/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Spool } from './spool.js'

let directory: { path: string; remove(): Promise<void> }
beforeEach(async () => {
  directory = await tempDir('numarkdown-spool-')
})
afterEach(async () => {
  await directory.remove()
})

describe('Spool', () => {
  it('keeps an input up to the threshold in memory', async () => {
    const spool = new Spool({ thresholdBytes: 10, directory: directory.path })
    await spool.append(Buffer.from('hello'))
    await spool.append(Buffer.from('world'))
    const document = await spool.seal()
    expect(document.kind).toBe('memory')
    expect(document.kind === 'memory' && Buffer.from(document.bytes).toString()).toBe('helloworld')
    expect(await readdir(directory.path)).toEqual([])
    await spool.dispose()
  })

  it('moves an input past the threshold to a file with every byte, and deletes it on dispose', async () => {
    const spool = new Spool({ thresholdBytes: 4, directory: directory.path })
    await spool.append(Buffer.from('abc'))
    await spool.append(Buffer.from('def'))
    await spool.append(Buffer.from('ghi'))
    expect(await readdir(directory.path)).toHaveLength(1)
    const document = await spool.seal()
    expect(document).toMatchObject({ kind: 'file', size: 9 })
    expect(document.kind === 'file' && (await readFile(document.path, 'utf8'))).toBe('abcdefghi')
    await spool.dispose()
    await spool.dispose()
    expect(await readdir(directory.path)).toEqual([])
  })

  it('deletes the file when disposed of while a write is pending, and refuses later writes', async () => {
    const spool = new Spool({ thresholdBytes: 0, directory: directory.path })
    const writing = spool.append(Buffer.alloc(1 << 20, 1))
    const disposing = spool.dispose()
    await writing.catch(() => {})
    await disposing
    expect(await readdir(directory.path)).toEqual([])
    await expect(spool.append(Buffer.from('x'))).rejects.toThrow('disposed')
  })
  it('holds small chunks at once and hands anything past the threshold to append()', async () => {
    const spool = new Spool({ thresholdBytes: 8, directory: directory.path })
    expect(spool.holdNow(Buffer.from('hello'))).toBe(true)
    expect(spool.holdNow(Buffer.from('world'))).toBe(false)
    expect(spool.size).toBe(5)
    await spool.append(Buffer.from('world'))
    expect(spool.path).toBeDefined()
    expect(spool.holdNow(Buffer.from('!'))).toBe(false)
    expect(spool.sealInMemory()).toBeUndefined()
    const document = await spool.seal()
    expect(document.kind === 'file' && (await readFile(document.path, 'utf8'))).toBe('helloworld')
    await spool.dispose()
    expect(await readdir(directory.path)).toEqual([])
  })

  it('seals a document in memory at once, and refuses chunks afterwards', () => {
    const spool = new Spool({ thresholdBytes: 10, directory: directory.path })
    expect(spool.holdNow(Buffer.from('ab'))).toBe(true)
    expect(spool.holdNow(Buffer.from('cd'))).toBe(true)
    const document = spool.sealInMemory()
    expect(document?.kind === 'memory' && Buffer.from(document.bytes).toString()).toBe('abcd')
    expect(spool.holdNow(Buffer.from('e'))).toBe(false)
    expect(() => spool.sealInMemory()).toThrow('sealed')
  })
})
