/**
 * One conversion's exchange with the service: submit the document (unless a job is to be resumed), then wait
 * for its result. The job ID is saved in the journal while the wait begins, and durably before the result is
 * acted on, so a crash from then on resumes the job instead of submitting it again; a job the server no longer
 * knows is submitted again.
 */
import {
  type ConversionResult,
  type ConvertInput,
  NotFoundError,
  type NuMarkdownClient,
} from '@numarkdown/core'
import type { Display } from '../../types.js'
import type { FileRecord } from '../journal/journal.js'
import type { JournalStore } from '../journal/journal-store.js'

/** The bytes to upload, from the one open file they were checked and hashed from. */
export interface UploadSource {
  /** The document as the client takes it; opened (safely) on first use when a resumed job must be sent again. */
  input(): Promise<ConvertInput>
}

/** What every exchange of one document with the service is given, whole or page by page. */
export interface DocumentExchange {
  client: NuMarkdownClient
  journal: JournalStore
  display: Display
  /**
   * Aborted once the grace period of a shutdown is over: what is in flight is left for the next start (a job
   * keeps running on the server, and the next start collects it).
   */
  signal: AbortSignal
  /** The document, relative to the inbox. */
  path: string
  source: UploadSource
  /**
   * The document's journal record: written `pending` before a submit, then `submitted` with the job (or, page by
   * page, with the handle of its ranges) while it converts.
   */
  record: FileRecord
  /** Whole-conversion attempts made before this one; each submit counts one more. */
  attempts: number
}

export interface SubmitAndWaitOptions extends DocumentExchange {
  /** The job to wait for instead of submitting (resumed from the journal, or adopted). */
  jobId?: string | undefined
  /** Told of each job waited for, before the wait begins (the live view shows it). */
  onJob?(jobId: string): void
  /**
   * Told of each job submitted, once the journal holds it and before the wait begins; awaited, so that a
   * crash from then on finds the job wherever this keeps it (the cluster queue's job).
   */
  onSubmitted?(jobId: string): unknown
  /**
   * Runs the exchange with the service (the submit and the wait, or the wait alone) in a slot of its own,
   * once the document is read and its `pending` record durable; at once when not given.
   */
  atService?<T>(exchange: () => Promise<T>): Promise<T>
}

/**
 * What a conversion learnt: the job in hand when it ended (for the caller's error handling and retries), the
 * attempts counted so far, and the result or the error.
 */
export type WaitedJob =
  | { jobId: string; attempts: number; result: ConversionResult }
  | { jobId: string | undefined; attempts: number; error: unknown }

/** Submit (or resume) and wait. Never rejects: a failure is returned with the job and attempts it leaves. */
export async function submitAndWait(options: SubmitAndWaitOptions): Promise<WaitedJob> {
  const { client, journal, display, signal, path, source, record } = options
  const atService = options.atService ?? ((exchange) => exchange())
  let { jobId, attempts } = options
  /** The submitted job being recorded, while its wait has begun: settled before anything else is done. */
  let recording: Promise<unknown> | undefined
  try {
    for (;;) {
      let input: ConvertInput | undefined
      if (!jobId) {
        // Read and recorded before a slot at the service is taken: the slot is for the service's work only.
        input = await source.input()
        await journal.set({ ...record, status: 'pending' })
        attempts++
      }
      /** Set once the wait begins: a 404 from then on means the server forgot the job, not the route. */
      let waiting = false
      let result: ConversionResult
      try {
        result = await atService(async () => {
          if (input) {
            const submitted = await client.submit(input, { signal })
            jobId = submitted.jobId
            recording = recordSubmitted(options, jobId, attempts)
            // Settled (and its failure thrown) below, whichever way the wait ends.
            recording.catch(() => {})
          } else {
            display.log('info', 'resuming', { path, jobId })
          }
          options.onJob?.(jobId!)
          waiting = true
          return client.wait(jobId!, { signal, cancelOnAbort: false })
        })
      } catch (error) {
        await recording
        if (waiting && NotFoundError.isInstance(error) && !signal.aborted) {
          display.log('info', 'the server no longer knows the job; submitting again', { path, jobId })
          jobId = undefined
          recording = undefined
          continue
        }
        throw error
      }
      await recording
      return { jobId: jobId!, attempts, result }
    }
  } catch (error) {
    return { jobId, attempts, error }
  }
}

/**
 * Save the submitted job in the journal (then wherever `onSubmitted` keeps it) while its wait begins: the
 * record is durable before the result is acted on. A crash before it is durable finds the `pending` record,
 * durable before the submit, and adopts the job by its upload identity instead of submitting again.
 */
async function recordSubmitted(
  options: SubmitAndWaitOptions,
  jobId: string,
  attempts: number,
): Promise<void> {
  await options.journal.set({ ...options.record, status: 'submitted', jobId, attempts })
  await options.onSubmitted?.(jobId)
  options.display.log('info', 'submitted', { path: options.path, jobId })
}
