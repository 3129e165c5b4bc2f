import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '@numarkdown/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { type FileRecord, StateStore } from './state-store.js'

const folders: Array<{ remove(): Promise<void> }> = []
afterEach(async () => {
  for (const folder of folders.splice(0)) await folder.remove()
})

function record(path: string, patch: Partial<FileRecord> = {}): FileRecord {
  return {
    path,
    status: 'pending',
    sha256: 'ab',
    options: 'o',
    size: 1,
    mtimeMs: 2,
    ctimeMs: 3,
    attempts: 0,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...patch,
  }
}

describe('StateStore', () => {
  it('survives a reopen, ignores a torn last line, and compacts', async () => {
    const folder = await tempDir()
    folders.push(folder)
    const file = join(folder.path, 'state', 'state.jsonl')
    const store = StateStore.open(file)
    store.set(record('a.pdf'))
    store.set(record('a.pdf', { status: 'submitted', jobId: 'job-1' }))
    store.set(record('b\nc.pdf', { status: 'done' }))
    store.set(record('gone.pdf'))
    store.delete('gone.pdf')
    // A crash leaves the lock file and maybe half a line behind.
    appendFileSync(file, '{"path":"torn.pdf","sta')
    const reopened = StateStore.open(file)
    expect(reopened.get('a.pdf')).toMatchObject({ status: 'submitted', jobId: 'job-1' })
    expect(reopened.get('b\nc.pdf')?.status).toBe('done')
    expect(reopened.get('gone.pdf')).toBeUndefined()
    expect(reopened.get('torn.pdf')).toBeUndefined()
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2)
    reopened.close()
  })

  it('refuses a journal held by another live process', async () => {
    const folder = await tempDir()
    folders.push(folder)
    const file = join(folder.path, 'state.jsonl')
    writeFileSync(`${file}.lock`, String(process.ppid))
    expect(() => StateStore.open(file)).toThrow(/in use by process/)
    writeFileSync(`${file}.lock`, '999999999')
    StateStore.open(file).close()
  })
})
