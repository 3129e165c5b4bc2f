/**
 * What a cluster's queue job holds: the document (its path relative to the shared inbox, the content hashed
 * by the instance that found it, its signature), and what must outlive the instance converting it: the
 * NuMind job once submitted, and the attempts made so far. Its queue job ID is derived from the document's
 * identity, so that the same document found by several instances is one job.
 */
import { createHash } from 'node:crypto'
import type { FileSignature } from '../detection/file-signature.js'

export interface QueuedDocument extends FileSignature {
  /** Relative to the inbox, `/`-separated: the same on every machine that mounts the inbox. */
  path: string
  sha256: string
  /** Of the options that shape an output (`optionsFingerprint`). */
  fingerprint: string
  /** Whole-conversion attempts so far, by any instance. */
  attempts: number
  /** Tries at writing the outputs while the output folder could not be written. */
  outputAttempts: number
  /** The NuMind job, stored as soon as the document is submitted: a re-run resumes it. */
  numindJobId?: string
}

/**
 * The queue job ID of a document: content hash + options fingerprint + relative path, hashed (BullMQ IDs
 * may not hold `:` and must not look like integers).
 */
export function queueJobId({
  sha256,
  fingerprint,
  path,
}: Pick<QueuedDocument, 'sha256' | 'fingerprint' | 'path'>): string {
  const identity = createHash('sha256').update(`${sha256}\u0000${fingerprint}\u0000${path}`).digest('hex')
  return `doc-${identity}`
}
