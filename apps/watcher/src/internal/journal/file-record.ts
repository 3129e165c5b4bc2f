/**
 * The journal's record of one source document. It has a file of its own because both the journal file and the
 * store interface every journal implements speak of it.
 */
import type { PagesHandle } from '@numarkdown/core'

/** Where a document is in its life. */
export type FileStatus = 'pending' | 'submitted' | 'done' | 'failed'

/** What the journal knows about one source document, keyed by its relative path. */
export interface FileRecord {
  path: string
  status: FileStatus
  /** sha256 of the content that was (or is being) converted. */
  sha256: string
  /** Fingerprint of the options the conversion used. */
  options: string
  /** Set from `submitted` on (a document converted page by page has `pages` instead). */
  jobId?: string
  /**
   * A document converted page by page, while it converts: its page ranges and the job each got so far (the
   * client's resumable handle), so that a restart collects the ranges that have a job and submits only the
   * others. Dropped once the document is done or failed.
   */
  pages?: PagesHandle
  /** The file's signature when it was hashed, to skip re-hashing an untouched file. */
  size: number
  mtimeMs: number
  ctimeMs: number
  /** Whole-conversion attempts so far. */
  attempts: number
  updatedAt: string
  /** `document`: the file itself is bad (retried only when it changes); `service`: retried on next start. */
  error?: { message: string; code?: string; status?: number; kind: 'document' | 'service' }
  /**
   * A document converted page by page with `onPageError: 'skip'` whose output marks pages that failed: the
   * ranges, in page order, and why each failed. It is done (converted again only when it changes).
   */
  failedPages?: FailedPageRecord[]
  /** The watcher moved or deleted the source itself after success. */
  sourceRemoved?: boolean
}

/** A page range that failed for good and is marked in the output instead of converted. */
export interface FailedPageRecord {
  pageNumber: number
  lastPageNumber: number
  /** Why the range's last attempt failed (`Job … failed: …`). */
  message: string
  code?: string
  /** The range's last job, when it got one. */
  jobId?: string
}
