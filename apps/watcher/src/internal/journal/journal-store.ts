/**
 * What the watcher remembers of each document, behind one interface with two homes: the journal file of a
 * single watcher (answers at once, from memory; writes group-committed, each durable before it resolves) and Redis, shared by every instance of a
 * cluster (`--queue`), answering over the network. Callers await every call, so either fits.
 */
import type { FileRecord } from './file-record.js'

/** A value now (the journal file) or later (Redis). */
export type Eventually<T> = T | Promise<T>

/** The state store of a run: one record per source document, keyed by its path relative to the inbox. */
export interface JournalStore {
  /** Where the state lives, for messages: the journal file, or the Redis key (never with a password). */
  readonly location: string
  get(path: string): Eventually<FileRecord | undefined>
  all(): Eventually<FileRecord[]>
  /** Save a record durably: it is there for every later reader once this returns (or resolves). */
  set(record: FileRecord): Eventually<void>
  delete(path: string): Eventually<void>
  /** Release the store (the file's lock, the Redis connection); nothing may be written after. */
  close(): Eventually<void>
}
