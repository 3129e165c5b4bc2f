/**
 * What the routes need of a job store, whichever keeps the jobs: the in-process store of one server, or Redis shared
 * by the API replicas and engine workers of a cluster. The server picks one when it starts; the routes speak to this
 * interface only, so the API answers alike over both.
 */
import type { EngineDocument, EngineParams } from '../types.js'
import type { Principal } from './auth.js'
import type { JobFields } from './job-store.js'

/** A job as the routes read it: enough to answer `API.md`'s job object and the owner check. */
export type JobView = JobFields

/** One page of an owner's jobs, newest first. */
export interface JobPage {
  /** The owner's jobs in all (within the organization, when one was asked for). */
  totalCount: number
  items: JobView[]
}

/** The store is out of reach (Redis down): the API answers 503, and nothing was created or changed. */
export class JobStoreUnavailableError extends Error {
  override name = 'JobStoreUnavailableError'
}

export interface Jobs {
  /**
   * Create a pending job for a document spooled into the upload folder, and queue it; the job owns the file from
   * now on. Resolves undefined once the store is closed (the file is removed then). Rejects with
   * {@link JobStoreUnavailableError} when the store cannot be reached (the file is removed then too).
   */
  create(principal: Principal, document: EngineDocument, params: EngineParams): Promise<JobView | undefined>
  get(id: string): Promise<JobView | undefined>
  /** The jobs of one owner (and organization, when given), newest first, `skip` and `perPage` applied. */
  list(
    owner: string,
    organization: string | undefined,
    page: { skip: number; perPage: number },
  ): Promise<JobPage>
  /** Cancel a job that has not finished (a finished one is left as it is); resolves with the job as it is now. */
  cancel(id: string): Promise<JobView | undefined>
  /**
   * Call `listener` once the job is finished (at once when it already is); returns an unsubscribe function. The
   * job may be finished by any node of a cluster.
   */
  onFinished(job: JobView, listener: (job: JobView) => void): () => void
  /** Stop: what this node runs is stopped or handed back, listeners are forgotten, connections closed. */
  close(): Promise<void>
}
