import { AuthenticationError, type NuMarkdownClient } from '@numarkdown/core'
import type { Display } from '../../types.js'
import type { FileRecord } from '../journal/journal.js'
import { uploadKey } from './upload-identity.js'

/** Slack between our clock and the server's when matching the creation time of a job to adopt. */
const clockToleranceMs = 60_000
/** Jobs read at most when looking for jobs a crash interrupted. */
const maxJobsListed = 2000

/**
 * Jobs on the server that a submit cut short by a crash may have created. A `pending` record means a submit
 * was under way when the last run ended: the server may have created the job without the answer reaching the
 * journal. Such jobs are found by their upload identity (the `inputData` of the API: filename, size, sha256)
 * and adopted instead of being submitted a second time.
 */
export class AdoptableJobs {
  readonly #jobs = new Map<string, Array<{ id: string; createdAt: number }>>()

  /**
   * List the server's recent jobs when any record is `pending`; a failure to list only costs resubmits, except
   * a refused key (`AuthenticationError`), which is thrown.
   */
  static async load({ client, records, signal, display }: AdoptableJobsSource): Promise<AdoptableJobs> {
    const adoptable = new AdoptableJobs()
    const pending = records.filter((record) => record.status === 'pending' && record.sha256 !== '')
    if (pending.length === 0) return adoptable
    const since = Math.min(...pending.map((record) => Date.parse(record.updatedAt))) - clockToleranceMs
    let seen = 0
    try {
      for await (const job of client.listJobs({ perPage: 100, signal })) {
        if (++seen > maxJobsListed) break
        const createdAt = Date.parse(job.createdAt)
        if (!(createdAt >= since)) continue
        let identity: { filename?: unknown; size?: unknown; sha256?: unknown }
        try {
          identity = JSON.parse(job.inputData) as typeof identity
        } catch {
          continue
        }
        const key = uploadKey(identity.filename, identity.size, identity.sha256)
        const list = adoptable.#jobs.get(key) ?? []
        list.push({ id: job.id, createdAt })
        adoptable.#jobs.set(key, list)
      }
    } catch (error) {
      // A refused key stops the run; any other failure to list only costs resubmits.
      if (AuthenticationError.isInstance(error)) throw error
      display.log(
        'warn',
        'cannot list jobs to find those a crash interrupted; they will be submitted again',
        {
          error: (error as Error).message,
        },
      )
    }
    return adoptable
  }

  /** The newest job for this upload created after `since` (less the clock slack), taken at most once. */
  take({ filename, size, sha256, since }: AdoptableUpload): string | undefined {
    const list = this.#jobs.get(uploadKey(filename, size, sha256))
    if (!list) return undefined
    const candidates = list.filter((job) => job.createdAt >= since - clockToleranceMs)
    const newest = candidates.sort((a, b) => b.createdAt - a.createdAt)[0]
    if (!newest) return undefined
    list.splice(list.indexOf(newest), 1)
    return newest.id
  }
}

/** Where jobs to adopt are looked for. */
export interface AdoptableJobsSource {
  client: NuMarkdownClient
  /** The journal's records: jobs are listed only when one of them is `pending`. */
  records: readonly FileRecord[]
  signal: AbortSignal
  display: Display
}

/** An upload whose submit a crash cut short, as the server records it, and since when it may exist. */
export interface AdoptableUpload {
  filename: string
  size: number
  sha256: string
  /** When the `pending` record was written (ms since the epoch). */
  since: number
}
