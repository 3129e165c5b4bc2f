import {
  type ConversionResult,
  type ConvertInput,
  NotFoundError,
  type NuMarkdownClient,
} from '@numarkdown/core'
import type { Display } from '../../types.js'
import type { FileRecord, Journal } from '../journal/journal.js'
import type { Tracked } from '../run/tracked.js'
import type { Failure } from './classify-error.js'

export interface ConversionContext {
  client: NuMarkdownClient
  journal: Journal
  display: Display
  signal: AbortSignal
}

/** The bytes to upload, from the one open file they were checked and hashed from. */
export interface UploadSource {
  /** The document as the client takes it; opened (safely) on first use when a resumed job must be sent again. */
  input(): Promise<ConvertInput>
}

/**
 * Submit the document (unless `job.id` names a job to resume) and wait for its result. The job ID is saved
 * before waiting, so a crash from then on resumes the job instead of submitting it again; a job the server no
 * longer knows is submitted again. `job.id` always holds the job in hand, for the caller's error handling.
 */
export async function submitAndWait(
  context: ConversionContext,
  path: string,
  source: UploadSource,
  base: FileRecord,
  tracked: Tracked,
  job: { id: string | undefined },
): Promise<ConversionResult> {
  const { client, journal, display, signal } = context
  for (;;) {
    if (!job.id) {
      const input = await source.input()
      journal.set({ ...base, status: 'pending' })
      tracked.attempts++
      const submitted = await client.submit(input, { signal })
      job.id = submitted.jobId
      // Saved (fsynced) before waiting: a crash from here on resumes this job instead of submitting again.
      journal.set({ ...base, status: 'submitted', jobId: job.id, attempts: tracked.attempts })
      display.log('info', 'submitted', { path, jobId: job.id })
    } else {
      display.log('info', 'resuming', { path, jobId: job.id })
    }
    tracked.jobId = job.id
    try {
      return await client.wait(job.id, { signal, cancelOnAbort: false })
    } catch (error) {
      if (NotFoundError.isInstance(error) && !signal.aborted) {
        display.log('info', 'the server no longer knows the job; submitting again', { path, jobId: job.id })
        job.id = undefined
        continue
      }
      throw error
    }
  }
}

/** Exponential backoff with jitter, capped at a minute, unless the server said how long to wait. */
export function retryDelayMs(failure: Failure, attempts: number): number {
  return (
    failure.retryAfterMs ?? Math.min(60_000, 1000 * 2 ** (Math.max(1, attempts) - 1)) * (0.5 + Math.random())
  )
}

/**
 * After a transient failure, whether the job (if one was created) is waited for again rather than submitted
 * again: not when the server answered about it with a 4xx.
 */
export function jobSurvives(failure: Failure): boolean {
  return !(failure.status !== undefined && failure.status >= 400 && failure.status < 500)
}
