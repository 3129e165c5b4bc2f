/**
 * A document that failed for good is told in two places that outlive the run: its journal record (so that it
 * is tried again only when it changes, or on the next start for a failure the service caused) and its error
 * file beside the outputs, for people and scripts.
 */
import type { Failure } from '../conversion/classify-error.js'
import type { FileRecord } from '../journal/journal.js'
import { writeFileAtomic } from '../outputs/atomic-write.js'

/** What is known of the source when it failed (zeros and an empty hash when it could not even be read). */
export type FailedSource = Pick<FileRecord, 'size' | 'mtimeMs' | 'ctimeMs' | 'sha256' | 'attempts'>

/** A failure the service caused (403) is retried on the next start; any other, once the file changes. */
function kindOf(failure: Failure): 'service' | 'document' {
  return failure.kind === 'service' ? 'service' : 'document'
}

/** A permanent failure of one document, as the journal and the error file tell it. */
export interface FailureReport {
  /** The document's path relative to the inbox. */
  path: string
  failure: Failure
  source: FailedSource
  /** Of the options this run converts with: see `optionsFingerprint`. */
  fingerprint: string
  /** When it failed (ISO 8601). */
  when: string
}

/** The journal record of a permanent failure. */
export function failedRecord({ path, failure, source, fingerprint, when }: FailureReport): FileRecord {
  return {
    path,
    status: 'failed',
    sha256: source.sha256,
    options: fingerprint,
    size: source.size,
    mtimeMs: source.mtimeMs,
    ctimeMs: source.ctimeMs,
    attempts: source.attempts,
    updatedAt: when,
    ...(failure.jobId ? { jobId: failure.jobId } : {}),
    error: {
      message: failure.message,
      kind: kindOf(failure),
      ...(failure.code ? { code: failure.code } : {}),
      ...(failure.status ? { status: failure.status } : {}),
    },
  }
}

/**
 * Write `file` (`<out>/.failed/<path>.error.json`) for people and scripts: what, why, when, which job.
 */
export async function writeErrorFile(
  { path, failure, source, when }: Omit<FailureReport, 'fingerprint'>,
  { out, file }: { out: string; file: string },
): Promise<void> {
  const service = kindOf(failure) === 'service'
  const report = {
    source: path,
    what: service ? 'the service refused the conversion' : 'the document could not be converted',
    why: failure.message,
    code: failure.code,
    status: failure.status,
    when,
    jobId: failure.jobId,
    attempts: source.attempts,
    retry: service ? 'on the next start' : 'when the file changes',
  }
  await writeFileAtomic(out, file, `${JSON.stringify(report, null, 2)}\n`)
}
