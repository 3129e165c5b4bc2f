/**
 * The resumable handle of a split conversion (`PagesHandle`): plain JSON a program persists while pages convert
 * and gives back after a restart. A handle comes from outside (a file, a database), so it is checked whole
 * before use, and the document it is resumed with must be the very bytes it was made for: ranges cut from
 * another version of a file would be converted and merged as if they belonged together.
 */
import { createHash } from 'node:crypto'
import { describe, ValidationError } from '@numarkdown/protocol'
import type { PagesHandle, PagesHandleRange } from '../types.js'
import type { UploadSource } from './input.js'
import { digestSource } from './multipart.js'

/** A document's identity: its SHA-256 (hex) and size in bytes. */
export interface DocumentIdentity {
  sha256: string
  size: number
}

const sha256Pattern = /^[0-9a-f]{64}$/

/** The identity of `source`: from what it already knows, its bytes in memory, or one read of them. */
export async function documentIdentity(
  source: UploadSource,
  bytes: Uint8Array | undefined = source.bytes,
): Promise<DocumentIdentity> {
  if (source.sha256 !== undefined && source.size !== undefined) {
    return { sha256: source.sha256, size: source.size }
  }
  if (!bytes) return digestSource(source)
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.byteLength }
}

/**
 * Checks that `value` is a {@link PagesHandle} (as `JSON.parse` gives it back) and returns it.
 * @throws {ValidationError} naming `parameter` and what is wrong.
 */
export function checkPagesHandle(value: unknown, parameter: string): PagesHandle {
  const invalid = (why: string): never => {
    throw new ValidationError(
      `${parameter} is not a page handle (${why}); pass the handle a split conversion gave (convertPages().handle, or the pages-total event), as saved`,
      { parameter },
    )
  }
  if (typeof value !== 'object' || value === null) return invalid(`got ${describe(value)}`)
  const handle = value as Partial<PagesHandle>
  if (handle.type !== 'numarkdown.pages') return invalid(`type is ${describe(handle.type)}`)
  if (handle.version !== 1) return invalid(`version ${describe(handle.version)} is not 1`)
  if (typeof handle.filename !== 'string') return invalid('filename is missing')
  const document = handle.document
  if (
    typeof document !== 'object' ||
    document === null ||
    typeof document.sha256 !== 'string' ||
    !sha256Pattern.test(document.sha256) ||
    !isCount(document.size, 0)
  ) {
    return invalid('document is not { sha256, size }')
  }
  if (handle.totalPages !== undefined && !isCount(handle.totalPages, 1)) {
    return invalid(`totalPages ${describe(handle.totalPages)} is not a page count`)
  }
  if (!Array.isArray(handle.ranges) || handle.ranges.length === 0) return invalid('it has no ranges')
  let previous = 0
  const ranges: PagesHandleRange[] = []
  for (const range of handle.ranges as unknown[]) {
    const { pageNumber, lastPageNumber, jobId } = (range ?? {}) as Partial<PagesHandleRange>
    if (!isCount(pageNumber, 1) || !isCount(lastPageNumber, 1) || lastPageNumber < pageNumber) {
      return invalid(`the range ${describe(range)} is not { pageNumber, lastPageNumber }`)
    }
    if (pageNumber <= previous) return invalid('its ranges are not in page order')
    if (handle.totalPages !== undefined && lastPageNumber > handle.totalPages) {
      return invalid(`the range ${pageNumber}-${lastPageNumber} is past page ${handle.totalPages}`)
    }
    if (jobId !== undefined && (typeof jobId !== 'string' || jobId === '')) {
      return invalid(`the job of pages ${pageNumber}-${lastPageNumber} is ${describe(jobId)}`)
    }
    previous = lastPageNumber
    ranges.push({ pageNumber, lastPageNumber, ...(jobId === undefined ? {} : { jobId }) })
  }
  if (handle.totalPages === undefined && (ranges.length !== 1 || ranges[0]!.pageNumber !== 1)) {
    return invalid('a handle without totalPages has one range, page 1')
  }
  return {
    type: 'numarkdown.pages',
    version: 1,
    filename: handle.filename,
    document: { sha256: document.sha256, size: document.size },
    ...(handle.totalPages === undefined ? {} : { totalPages: handle.totalPages }),
    ranges,
  }
}

/**
 * Refuses to resume `handle` with a document of another identity.
 * @throws {ValidationError} naming both documents.
 */
export function checkSameDocument(handle: PagesHandle, filename: string, identity: DocumentIdentity): void {
  const { document } = handle
  if (document.sha256 === identity.sha256 && document.size === identity.size) return
  throw new ValidationError(
    `resume: the handle belongs to ${handle.filename} (${document.size} bytes, sha256 ${document.sha256.slice(0, 12)}…), but ${filename} is another document (${identity.size} bytes, sha256 ${identity.sha256.slice(0, 12)}…); resume with the same file, or convert it without resume`,
    { parameter: 'resume' },
  )
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min
}
