import type { Failure } from '../conversion/classify-error.js'
import type { FileRecord } from '../journal/journal.js'
import { writeFileAtomic } from '../outputs/atomic-write.js'

/** What is known of the source when it failed (zeros and an empty hash when it could not even be read). */
export type FailedSource = Pick<FileRecord, 'size' | 'mtimeMs' | 'ctimeMs' | 'sha256' | 'attempts'>

/** A failure the service caused (403) is retried on the next start; any other, once the file changes. */
function kindOf(failure: Failure): 'service' | 'document' {
  return failure.kind === 'service' ? 'service' : 'document'
}

/** The journal record of a permanent failure. */
export function failedRecord(
  path: string,
  failure: Failure,
  source: FailedSource,
  fingerprint: string,
  when: string,
): FileRecord {
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

/** Write `<out>/.failed/<path>.error.json` for people and scripts: what, why, when, which job. */
export async function writeErrorFile(
  out: string,
  errorFile: string,
  path: string,
  failure: Failure,
  attempts: number,
  when: string,
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
    attempts,
    retry: service ? 'on the next start' : 'when the file changes',
  }
  await writeFileAtomic(out, errorFile, `${JSON.stringify(report, null, 2)}\n`)
}
