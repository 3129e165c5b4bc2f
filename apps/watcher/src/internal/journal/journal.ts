import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fdatasync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  write,
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
function writeAll(descriptor: number, bytes: Buffer): void {
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

/** A line waiting for the next group commit, and the caller waiting for it to be durable. */
interface PendingLine {
  line: JournalLine
  text: string
  resolve(): void
  reject(error: unknown): void
}

/** Write all of `bytes` at the end of the file (opened for appending), off the event loop. */
async function appendAll(descriptor: number, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    const written = await writeAsync(descriptor, bytes, offset, bytes.length - offset)
    if (written <= 0) throw Object.assign(new Error('no byte could be written'), { code: 'EIO' })
    offset += written
  }
}

function writeAsync(descriptor: number, bytes: Buffer, offset: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    write(descriptor, bytes, offset, length, null, (error, written) =>
      error ? reject(error) : resolve(written),
    )
  })
}

function datasync(descriptor: number): Promise<void> {
  return new Promise((resolve, reject) =>
    fdatasync(descriptor, (error) => (error ? reject(error) : resolve())),
  )
}

/**
 * The journal of what was converted, crash-safe: append-only JSON lines, compacted now and then by writing a
 * fresh file, fsyncing it and renaming it over the old one. A line torn by a crash (the last one) is ignored
 * on load. One process at a time (a pid lock file).
 *
 * Writes are group-committed: the lines set while one commit is on its way to the disk go out together in the
 * next one, one write and one fdatasync for all of them, off the event loop. A `set` resolves only once its
 * line is durable, and only then does it show in `get` and `all`: nothing is acted on or reported before the
 * journal holds it, as when each line had its own fsync; a thousand documents finishing at once cost a few
 * fsyncs, not a thousand.
 */
export class Journal implements JournalStore {
  readonly file: string
  /** What the journal holds on disk: a line shows here once it is durable. */
  readonly #records = new Map<string, FileRecord>()
  #descriptor: number | undefined
  /** Bytes of the journal file: where a commit that fails is cut off again. */
  #size = 0
  #linesSinceCompaction = 0
  readonly #lockFile: string
  /** Lines set since the commit in flight started: the next commit's. */
  #pending: PendingLine[] = []
  #committing = false
  #closing = false
  #idleWaiters: Array<() => void> = []

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
      this.#apply(entry)
    }
  }

  #apply(entry: JournalLine): void {
    if ('deleted' in entry) this.#records.delete(entry.path)
    else this.#records.set(entry.path, entry)
  }

  /**
   * Rewrite the journal as one line per record. The fresh file is complete and synced before it replaces the
   * old one, and the old one stays open until then: a failure (a full disk) leaves the journal as it was.
   * Never while a commit is in flight: `open`, a commit and `close` call it between commits.
   */
  compact(): void {
    const temporary = `${this.file}.${randomBytes(6).toString('hex')}.tmp`
    const bytes = Buffer.from(
      [...this.#records.values()].map((record) => `${JSON.stringify(record)}\n`).join(''),
    )
    try {
      const descriptor = openSync(temporary, 'w', 0o644)
      try {
        writeAll(descriptor, bytes)
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
    this.#size = bytes.length
    this.#linesSinceCompaction = 0
  }

  /** Queue a line for the next commit; resolves once it is durable, rejects (memory unchanged) when it is not. */
  #append(line: JournalLine): Promise<void> {
    if (this.#descriptor === undefined || this.#closing) {
      return Promise.reject(new Error(`the journal ${this.file} is closed`))
    }
    return new Promise((resolve, reject) => {
      this.#pending.push({ line, text: `${JSON.stringify(line)}\n`, resolve, reject })
      if (!this.#committing) {
        this.#committing = true
        // Whatever else is set in this turn of the event loop goes out in the same commit.
        setImmediate(() => void this.#commit())
      }
    })
  }

  /**
   * Commit the pending lines, again and again while more arrive. A commit cut short (a full disk) is cut off
   * again and its lines' callers told: memory and disk never disagree.
   */
  async #commit(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending
      this.#pending = []
      const descriptor = this.#descriptor!
      const end = this.#size
      const bytes = Buffer.from(batch.map((pending) => pending.text).join(''))
      try {
        await appendAll(descriptor, bytes)
        await datasync(descriptor)
      } catch (error) {
        try {
          ftruncateSync(descriptor, end)
        } catch {}
        const failure = this.#writeError(error)
        for (const pending of batch) pending.reject(failure)
        continue
      }
      this.#size += bytes.length
      for (const pending of batch) this.#apply(pending.line)
      this.#linesSinceCompaction += batch.length
      if (this.#linesSinceCompaction > Math.max(1000, this.#records.size * 4)) {
        try {
          this.compact()
        } catch {
          // The lines are safe in the journal; compaction is tried again after the next commit.
        }
      }
      for (const pending of batch) pending.resolve()
    }
    this.#committing = false
    for (const resolve of this.#idleWaiters.splice(0)) resolve()
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

  /** Save a record durably: resolves once it is written and synced; rejects with an `OutputError` if not. */
  set(record: FileRecord): Promise<void> {
    return this.#append(record)
  }

  /** Forget a record durably (nothing is written for a path the journal does not hold, nor will). */
  delete(path: string): Promise<void> {
    const known = this.#records.has(path) || this.#pending.some((pending) => pending.line.path === path)
    if (!known) return Promise.resolve()
    return this.#append({ path, deleted: true })
  }

  /** True once `close()` was called: nothing may be written any more. */
  get closed(): boolean {
    return this.#descriptor === undefined || this.#closing
  }

  /**
   * Wait for the commits in flight, compact, close the journal and release the lock. A compaction that fails
   * leaves the journal as it is (complete, only longer): the journal is closed and the lock released all the
   * same, then the error thrown.
   */
  async close(): Promise<void> {
    if (this.#descriptor === undefined || this.#closing) return
    this.#closing = true
    if (this.#committing) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve))
    let failure: unknown
    try {
      this.compact()
    } catch (error) {
      failure = error
    }
    closeSync(this.#descriptor!)
    this.#descriptor = undefined
    rmSync(this.#lockFile, { force: true })
    if (failure) throw failure
  }
}
