import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { OutputError } from '../outputs/output-error.js'
import type { FileRecord } from './file-record.js'
import type { JournalStore } from './journal-store.js'

export type { FileRecord, FileStatus } from './file-record.js'

type JournalLine = FileRecord | { path: string; deleted: true }

function syncFolder(folder: string): void {
  try {
    const descriptor = openSync(folder, 'r')
    try {
      fsyncSync(descriptor)
    } finally {
      closeSync(descriptor)
    }
  } catch {}
}

/**
 * Write all of `text`: `writeSync` may write only part of it (a disk that fills up mid-write) and say so only
 * by the count it returns; the next write then fails with the real error.
 */
function writeAll(descriptor: number, text: string): void {
  const bytes = Buffer.from(text)
  for (let offset = 0; offset < bytes.length; ) {
    const written = writeSync(descriptor, bytes, offset, bytes.length - offset)
    if (written <= 0) throw Object.assign(new Error('no byte could be written'), { code: 'EIO' })
    offset += written
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The journal of what was converted, crash-safe: append-only JSON lines, each written and fsynced before the call
 * returns, compacted now and then by writing a fresh file, fsyncing it and renaming it over the old one.
 * A line torn by a crash (the last one) is ignored on load. One process at a time (a pid lock file).
 */
export class Journal implements JournalStore {
  readonly file: string
  readonly #records = new Map<string, FileRecord>()
  #descriptor: number | undefined
  #linesSinceCompaction = 0
  readonly #lockFile: string

  // biome-ignore lint/style/useConsistentMemberAccessibility: a constructor has no `#` form; instances come from the static factory
  private constructor(file: string) {
    this.file = file
    this.#lockFile = `${file}.lock`
  }

  /** Open (creating if needed) the journal at `file`; throws when another live process holds it. */
  static open(file: string): Journal {
    const journal = new Journal(file)
    mkdirSync(dirname(file), { recursive: true })
    journal.#lock()
    journal.#removeStaleCompactions()
    journal.#load()
    journal.compact()
    return journal
  }

  #lock(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(this.#lockFile, String(process.pid), { flag: 'wx' })
        return
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        const pid = Number(readFileSync(this.#lockFile, 'utf8').trim())
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
          throw new Error(`the state ${this.file} is in use by process ${pid}; one watcher per state file`)
        }
        rmSync(this.#lockFile, { force: true })
      }
    }
    throw new Error(`could not lock ${this.file}`)
  }

  /** A compaction cut short by a crash leaves its temp file: the journal itself is whole, the temp file is not. */
  #removeStaleCompactions(): void {
    const prefix = `${basename(this.file)}.`
    for (const name of readdirSync(dirname(this.file))) {
      if (name.startsWith(prefix) && /^[0-9a-f]{12}\.tmp$/.test(name.slice(prefix.length))) {
        rmSync(join(dirname(this.file), name), { force: true })
      }
    }
  }

  #load(): void {
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw error
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue
      let entry: JournalLine
      try {
        entry = JSON.parse(line) as JournalLine
      } catch {
        continue // torn by a crash mid-write
      }
      if (typeof entry?.path !== 'string') continue
      if ('deleted' in entry) this.#records.delete(entry.path)
      else this.#records.set(entry.path, entry)
    }
  }

  /**
   * Rewrite the journal as one line per record. The fresh file is complete and synced before it replaces the
   * old one, and the old one stays open until then: a failure (a full disk) leaves the journal as it was.
   */
  compact(): void {
    const temporary = `${this.file}.${randomBytes(6).toString('hex')}.tmp`
    const lines = [...this.#records.values()].map((record) => `${JSON.stringify(record)}\n`).join('')
    try {
      const descriptor = openSync(temporary, 'w', 0o644)
      try {
        writeAll(descriptor, lines)
        fsyncSync(descriptor)
      } finally {
        closeSync(descriptor)
      }
      renameSync(temporary, this.file)
    } catch (error) {
      rmSync(temporary, { force: true })
      throw this.#writeError(error)
    }
    syncFolder(dirname(this.file))
    if (this.#descriptor !== undefined) closeSync(this.#descriptor)
    this.#descriptor = openSync(this.file, 'a')
    this.#linesSinceCompaction = 0
  }

  /**
   * Append one line, synced. A line cut short (a full disk) is cut off again, and the record in memory goes
   * back to what the journal holds: memory and disk never disagree.
   */
  #append(line: JournalLine, previous: FileRecord | undefined): void {
    if (this.#descriptor === undefined) throw new Error(`the journal ${this.file} is closed`)
    const end = fstatSync(this.#descriptor).size
    try {
      writeAll(this.#descriptor, `${JSON.stringify(line)}\n`)
      fsyncSync(this.#descriptor)
    } catch (error) {
      try {
        ftruncateSync(this.#descriptor, end)
      } catch {}
      if (previous) this.#records.set(previous.path, previous)
      else this.#records.delete(line.path)
      throw this.#writeError(error)
    }
    this.#linesSinceCompaction++
    if (this.#linesSinceCompaction > Math.max(1000, this.#records.size * 4)) {
      try {
        this.compact()
      } catch {
        // The line is safe in the journal; compaction is tried again after the next line.
      }
    }
  }

  #writeError(error: unknown): OutputError {
    const code = (error as NodeJS.ErrnoException).code
    return new OutputError(`cannot write the state journal ${this.file}: ${(error as Error).message}`, {
      folder: dirname(this.file),
      ...(code ? { code } : {}),
      cause: error,
    })
  }

  get location(): string {
    return this.file
  }

  get(path: string): FileRecord | undefined {
    return this.#records.get(path)
  }

  all(): FileRecord[] {
    return [...this.#records.values()]
  }

  /** Save a record durably (written and fsynced when this returns). */
  set(record: FileRecord): void {
    const previous = this.#records.get(record.path)
    this.#records.set(record.path, record)
    this.#append(record, previous)
  }

  delete(path: string): void {
    const previous = this.#records.get(path)
    if (!previous) return
    this.#records.delete(path)
    this.#append({ path, deleted: true }, previous)
  }

  /** True once `close()` was called: nothing may be written any more. */
  get closed(): boolean {
    return this.#descriptor === undefined
  }

  /**
   * Compact, close the journal and release the lock. A compaction that fails leaves the journal as it is
   * (complete, only longer): the journal is closed and the lock released all the same, then the error thrown.
   */
  close(): void {
    if (this.#descriptor === undefined) return
    let failure: unknown
    try {
      this.compact()
    } catch (error) {
      failure = error
    }
    closeSync(this.#descriptor)
    this.#descriptor = undefined
    rmSync(this.#lockFile, { force: true })
    if (failure) throw failure
  }
}
