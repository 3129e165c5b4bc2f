/**
 * The journal's decision table: from what the journal recorded of a document and what is seen of it now,
 * whether it is converted (again), its job resumed or adopted, or its earlier outcome stands. Two looks: by
 * signature (size, mtime, ctime) before the file is read, and by content once it held still and was hashed.
 */
import { type FileSignature, sameSignature } from '../detection/file-signature.js'
import type { FileRecord } from './journal.js'

/** What to do with a file found in the inbox: see {@link verdictBySignature}. */
export type SignatureVerdict = 'unchanged' | 'failed' | 'resume' | 'settle'

/** What to do with a file just hashed: see {@link verdictByContent}. */
export type ContentVerdict = 'unchanged' | 'failed' | 'resume' | 'adopt' | 'submit'

/** A file found in the inbox, before reading it. */
export interface SignatureSeen {
  /** Of the options this run converts with: see `optionsFingerprint`. */
  fingerprint: string
  signature: FileSignature
  /** A failure the service caused was already tried again in this run. */
  serviceFailureRetried: boolean
}

/** A file just hashed. */
export interface ContentSeen {
  fingerprint: string
  sha256: string
}

/**
 * What the journal says about a file found in the inbox, before reading it: a record of the same options and
 * the same signature is trusted without hashing. `settle`: wait for the file to hold still, then hash it.
 * A failure the service caused (403) is tried again once per run; a document failure only on change.
 */
export function verdictBySignature(
  record: FileRecord | undefined,
  { fingerprint, signature, serviceFailureRetried }: SignatureSeen,
): SignatureVerdict {
  if (!record || record.options !== fingerprint || !sameSignature(record, signature)) return 'settle'
  if (record.status === 'done') return 'unchanged'
  if (record.status === 'failed' && (record.error?.kind !== 'service' || serviceFailureRetried))
    return 'failed'
  // Found already whole before the restart: resume waiting at once (for its job, or its pages' jobs).
  if (record.status === 'submitted' && (record.jobId || record.pages)) return 'resume'
  return 'settle'
}

/**
 * What the journal says about content just hashed: the same content under the same options is never
 * converted twice. `resume`: wait for the recorded job; `adopt`: a submit was cut short, look for the job it
 * may have created; `submit`: convert it.
 */
export function verdictByContent(
  record: FileRecord | undefined,
  { fingerprint, sha256 }: ContentSeen,
): ContentVerdict {
  if (!record || record.sha256 !== sha256 || record.options !== fingerprint) return 'submit'
  if (record.status === 'done') return 'unchanged'
  if (record.status === 'failed' && record.error?.kind === 'document') return 'failed'
  if (record.status === 'submitted') return 'resume'
  if (record.status === 'pending') return 'adopt'
  return 'submit'
}
