import { execFileSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '@numarkdown/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { OutputError } from '../outputs/output-error.js'
import { type FileRecord, Journal } from './journal.js'

/** A small tmpfs can be filled to the last byte: only where the tests may mount one (as root). */
async function tmpfsWorks(): Promise<boolean> {
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
const canFillDisk = await tmpfsWorks()

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

describe('Journal', () => {
  it('survives a reopen, ignores a torn last line, and compacts', async () => {
    const folder = await tempDir()
    folders.push(folder)
    const file = join(folder.path, 'state', 'state.jsonl')
    const journal = Journal.open(file)
    await journal.set(record('a.pdf'))
    await journal.set(record('a.pdf', { status: 'submitted', jobId: 'job-1' }))
    await journal.set(record('b\nc.pdf', { status: 'done' }))
    await journal.set(record('gone.pdf'))
    await journal.delete('gone.pdf')
    // A crash leaves the lock file and maybe half a line behind.
    appendFileSync(file, '{"path":"torn.pdf","sta')
    const reopened = Journal.open(file)
    expect(reopened.get('a.pdf')).toMatchObject({ status: 'submitted', jobId: 'job-1' })
    expect(reopened.get('b\nc.pdf')?.status).toBe('done')
    expect(reopened.get('gone.pdf')).toBeUndefined()
    expect(reopened.get('torn.pdf')).toBeUndefined()
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2)
    await reopened.close()
  })

  it('commits records set together at once; each shows, and resolves, only once it is in the file', async () => {
    const folder = await tempDir()
    folders.push(folder)
    const file = join(folder.path, 'state.jsonl')
    const journal = Journal.open(file)
    await Promise.all([journal.set(record('a.pdf')), journal.set(record('gone.pdf'))])
    const paths = Array.from({ length: 200 }, (_, index) => `doc-${index}.pdf`)
    const durable: string[] = []
    const sets = paths.map((path) =>
      journal.set(record(path, { status: 'done' })).then(() => {
        // Resolved: the line is in the file, and memory says what the file says.
        if (readFileSync(file, 'utf8').includes(JSON.stringify(path))) durable.push(path)
        expect(journal.get(path)?.status).toBe('done')
      }),
    )
    const update = journal.set(record('a.pdf', { status: 'submitted', jobId: 'job-1' }))
    const removal = journal.delete('gone.pdf')
    // Not durable yet: not seen yet either.
    expect(journal.get('doc-1.pdf')).toBeUndefined()
    expect(journal.get('a.pdf')?.status).toBe('pending')
    await Promise.all([...sets, update, removal])
    expect(durable).toEqual(paths)
    expect(journal.get('a.pdf')).toMatchObject({ status: 'submitted', jobId: 'job-1' })
    expect(journal.get('gone.pdf')).toBeUndefined()
    await journal.close()
    await expect(journal.set(record('late.pdf'))).rejects.toThrow(/closed/)
    const reopened = Journal.open(file)
    expect(reopened.all()).toHaveLength(201)
    expect(reopened.get('gone.pdf')).toBeUndefined()
    await reopened.close()
  })

  it('refuses a journal held by another live process', async () => {
    const folder = await tempDir()
    folders.push(folder)
    const file = join(folder.path, 'state.jsonl')
    writeFileSync(`${file}.lock`, String(process.ppid))
    expect(() => Journal.open(file)).toThrow(/in use by process/)
    writeFileSync(`${file}.lock`, '999999999')
    await Journal.open(file).close()
  })

  it('removes the temp file of a compaction a crash cut short', async () => {
    const folder = await tempDir()
    folders.push(folder)
    const file = join(folder.path, 'state.jsonl')
    writeFileSync(`${file}.0123456789ab.tmp`, '{"path":"half')
    writeFileSync(join(folder.path, 'other.0123456789ab.tmp'), 'not ours')
    await Journal.open(file).close()
    expect(existsSync(`${file}.0123456789ab.tmp`)).toBe(false)
    expect(existsSync(join(folder.path, 'other.0123456789ab.tmp'))).toBe(true)
  })

  it.runIf(canFillDisk)(
    'on a full disk, keeps memory and journal in step and goes on once there is room',
    async () => {
      const folder = await tempDir()
      folders.push(folder)
      const mount = join(folder.path, 'disk')
      mkdirSync(mount)
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount])
      const opened: Journal[] = []
      try {
        const file = join(mount, 'state.jsonl')
        const journal = Journal.open(file)
        opened.push(journal)
        await journal.set(record('kept.pdf', { status: 'done' }))
        // Every page of the disk taken, to the last one.
        for (let index = 0; ; index++) {
          try {
            writeFileSync(join(mount, `filler-${index}`), Buffer.alloc(4096))
          } catch {
            break
          }
        }
        const big = 'x'.repeat(8192)
        await expect(journal.set(record('new.pdf', { sha256: big }))).rejects.toThrow(OutputError)
        await expect(journal.set(record('kept.pdf', { status: 'failed', sha256: big }))).rejects.toThrow(
          /ENOSPC/,
        )
        expect(journal.get('new.pdf')).toBeUndefined()
        expect(journal.get('kept.pdf')?.status).toBe('done')
        execFileSync('sh', ['-c', `rm ${mount}/filler-*`])
        await journal.set(record('after.pdf'))
        await journal.close()
        const reopened = Journal.open(file)
        opened.push(reopened)
        expect(reopened.all().map((entry) => [entry.path, entry.status])).toEqual([
          ['kept.pdf', 'done'],
          ['after.pdf', 'pending'],
        ])
        await reopened.close()
        expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2)
      } finally {
        for (const journal of opened) {
          try {
            await journal.close()
          } catch {}
        }
        execFileSync('umount', [mount])
      }
    },
  )
})
