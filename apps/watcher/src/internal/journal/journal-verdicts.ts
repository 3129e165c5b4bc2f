import { type FileSignature, sameSignature } from '../detection/file-signature.js'
import type { FileRecord } from './journal.js'

/**
 * What the journal says about a file found in the inbox, before reading it: a record of the same options and
 * the same signature is trusted without hashing. `settle`: wait for the file to hold still, then hash it.
 * A failure the service caused (403) is tried again once per run; a document failure only on change.
 */
export function verdictBySignature(
  record: FileRecord | undefined,
  fingerprint: string,
  signature: FileSignature,
  serviceFailureRetried: boolean,
): 'unchanged' | 'failed' | 'resume' | 'settle' {
  if (!record || record.options !== fingerprint || !sameSignature(record, signature)) return 'settle'
  if (record.status === 'done') return 'unchanged'
  if (record.status === 'failed' && (record.error?.kind !== 'service' || serviceFailureRetried))
    return 'failed'
  // Found already whole before the restart: resume waiting at once.
  if (record.status === 'submitted' && record.jobId) return 'resume'
  return 'settle'
}

/**
 * What the journal says about content just hashed: the same content under the same options is never
 * converted twice. `resume`: wait for the recorded job; `adopt`: a submit was cut short, look for the job it
 * may have created; `submit`: convert it.
 */
export function verdictByContent(
  record: FileRecord | undefined,
  fingerprint: string,
  sha256: string,
): 'unchanged' | 'failed' | 'resume' | 'adopt' | 'submit' {
  if (!record || record.sha256 !== sha256 || record.options !== fingerprint) return 'submit'
  if (record.status === 'done') return 'unchanged'
  if (record.status === 'failed' && record.error?.kind === 'document') return 'failed'
  if (record.status === 'submitted') return 'resume'
  if (record.status === 'pending') return 'adopt'
  return 'submit'
}
