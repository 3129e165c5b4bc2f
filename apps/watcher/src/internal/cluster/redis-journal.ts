/**
 * The journal of a cluster: every instance's records in one Redis hash (`<prefix>:journal`, a field per
 * document path, the record as JSON), so that what one instance converted is known to all. A record is there
 * for every instance once `set` resolves; how durable it is beyond that is Redis's persistence (keep it on).
 */
import type { Redis } from 'ioredis'
import type { FileRecord } from '../journal/journal.js'
import type { JournalStore } from '../journal/journal-store.js'

/** The Redis key of the journal under `prefix`. */
export function journalKey(prefix: string): string {
  return `${prefix}:journal`
}

function parse(text: string | null | undefined): FileRecord | undefined {
  if (!text) return undefined
  try {
    const record = JSON.parse(text) as FileRecord
    return typeof record?.path === 'string' ? record : undefined
  } catch {
    return undefined
  }
}

export class RedisJournal implements JournalStore {
  readonly location: string
  readonly #redis: Redis
  readonly #key: string
  #closing: Promise<void> | undefined

  /** `where`: the redacted URL, for messages. The journal owns `redis` and closes it. */
  constructor(redis: Redis, { prefix, where }: { prefix: string; where: string }) {
    this.#redis = redis
    this.#key = journalKey(prefix)
    this.location = `${where} ${this.#key}`
  }

  async get(path: string): Promise<FileRecord | undefined> {
    return parse(await this.#redis.hget(this.#key, path))
  }

  async all(): Promise<FileRecord[]> {
    const records: FileRecord[] = []
    // HSCAN rather than HGETALL: a journal of many thousand documents is read without blocking Redis.
    for await (const entries of this.#redis.hscanStream(this.#key, { count: 1000 })) {
      const pairs = entries as string[]
      for (let index = 1; index < pairs.length; index += 2) {
        const record = parse(pairs[index])
        if (record) records.push(record)
      }
    }
    // A field seen twice by a scan during a rehash counts once.
    return [...new Map(records.map((record) => [record.path, record])).values()]
  }

  async set(record: FileRecord): Promise<void> {
    await this.#redis.hset(this.#key, record.path, JSON.stringify(record))
  }

  async delete(path: string): Promise<void> {
    await this.#redis.hdel(this.#key, path)
  }

  close(): Promise<void> {
    this.#closing ??= this.#redis.quit().then(
      () => undefined,
      () => this.#redis.disconnect(),
    )
    return this.#closing
  }
}
