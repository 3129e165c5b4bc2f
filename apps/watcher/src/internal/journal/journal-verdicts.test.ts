import { describe, expect, it } from 'vitest'
import type { FileSignature } from '../detection/file-signature.js'
import type { FileRecord } from './journal.js'
import {
  type ContentVerdict,
  type SignatureVerdict,
  verdictByContent,
  verdictBySignature,
} from './journal-verdicts.js'

const fingerprint = 'options-a'
const signature: FileSignature = { size: 1200, mtimeMs: 1_700_000_000_000, ctimeMs: 1_700_000_000_500 }
const sha256 = 'a'.repeat(64)

/** The record of the file as it is seen now, under the options of this run, changed by `patch`. */
function known(patch: Partial<FileRecord>): FileRecord {
  return {
    path: 'reports/q3.pdf',
    status: 'done',
    sha256,
    options: fingerprint,
    ...signature,
    attempts: 1,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...patch,
  }
}

const documentError = { message: 'the file is empty (0 bytes)', code: 'EMPTY', kind: 'document' } as const
const serviceError = { message: 'forbidden', status: 403, kind: 'service' } as const

describe('verdictBySignature: a file found in the inbox, before it is read', () => {
  const rows: Array<{
    name: string
    record: FileRecord | undefined
    serviceFailureRetried?: boolean
    verdict: SignatureVerdict
  }> = [
    { name: 'no record: wait for it to hold still, then hash it', record: undefined, verdict: 'settle' },
    { name: 'a record made under other options', record: known({ options: 'options-b' }), verdict: 'settle' },
    { name: 'another size', record: known({ size: 1201 }), verdict: 'settle' },
    { name: 'another mtime', record: known({ mtimeMs: signature.mtimeMs + 1 }), verdict: 'settle' },
    {
      name: 'another ctime (a copy that kept size and mtime)',
      record: known({ ctimeMs: signature.ctimeMs + 1 }),
      verdict: 'settle',
    },
    { name: 'done, same signature: trusted without hashing', record: known({}), verdict: 'unchanged' },
    {
      name: 'a document failure stands until the file changes',
      record: known({ status: 'failed', error: documentError }),
      verdict: 'failed',
    },
    {
      name: 'a document failure stands, whatever was retried in this run',
      record: known({ status: 'failed', error: documentError }),
      serviceFailureRetried: true,
      verdict: 'failed',
    },
    {
      name: 'a failure of no recorded kind stands, as a document failure',
      record: known({ status: 'failed' }),
      verdict: 'failed',
    },
    {
      name: 'a failure the service caused is tried again once per run',
      record: known({ status: 'failed', error: serviceError }),
      verdict: 'settle',
    },
    {
      name: 'a failure the service caused, already tried again in this run, stands',
      record: known({ status: 'failed', error: serviceError }),
      serviceFailureRetried: true,
      verdict: 'failed',
    },
    {
      name: 'submitted with its job: the job is resumed at once',
      record: known({ status: 'submitted', jobId: 'job-1' }),
      verdict: 'resume',
    },
    { name: 'submitted without a job', record: known({ status: 'submitted' }), verdict: 'settle' },
    { name: 'pending (a submit a crash cut short)', record: known({ status: 'pending' }), verdict: 'settle' },
  ]

  it.each(rows)('$name', ({ record, serviceFailureRetried = false, verdict }) => {
    expect(verdictBySignature(record, { fingerprint, signature, serviceFailureRetried })).toBe(verdict)
  })
})

describe('verdictByContent: a file just hashed', () => {
  const rows: Array<{ name: string; record: FileRecord | undefined; verdict: ContentVerdict }> = [
    { name: 'no record: convert it', record: undefined, verdict: 'submit' },
    { name: 'other content', record: known({ sha256: 'b'.repeat(64) }), verdict: 'submit' },
    {
      name: 'the same content under other options',
      record: known({ options: 'options-b' }),
      verdict: 'submit',
    },
    { name: 'the same content done: never converted twice', record: known({}), verdict: 'unchanged' },
    {
      name: 'the same content done, under another signature',
      record: known({ size: 1, mtimeMs: 2, ctimeMs: 3 }),
      verdict: 'unchanged',
    },
    {
      name: 'a document failure of the same content stands',
      record: known({ status: 'failed', error: documentError }),
      verdict: 'failed',
    },
    {
      name: 'a failure the service caused is converted again',
      record: known({ status: 'failed', error: serviceError }),
      verdict: 'submit',
    },
    {
      name: 'a failure of no recorded kind is converted again',
      record: known({ status: 'failed' }),
      verdict: 'submit',
    },
    {
      name: 'submitted: the recorded job is waited for',
      record: known({ status: 'submitted', jobId: 'job-1' }),
      verdict: 'resume',
    },
    {
      name: 'pending: the job a crash may have created is looked for',
      record: known({ status: 'pending' }),
      verdict: 'adopt',
    },
  ]

  it.each(rows)('$name', ({ record, verdict }) => {
    expect(verdictByContent(record, { fingerprint, sha256 })).toBe(verdict)
  })
})
