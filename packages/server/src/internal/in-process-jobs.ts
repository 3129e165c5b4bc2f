/**
 * The in-process {@link JobStore} behind the {@link Jobs} interface: the store of a single server, as it always
 * was (jobs in memory, engine calls in this process), seen by the routes the same way as the Redis store.
 */
import type { Engine, EngineDocument, EngineParams } from '../types.js'
import type { Principal } from './auth.js'
import { JobStore, type JobStoreOptions } from './job-store.js'
import type { JobPage, Jobs, JobView } from './jobs.js'

export class InProcessJobs implements Jobs {
  readonly #store: JobStore
  readonly #engine: Engine

  constructor(options: JobStoreOptions) {
    this.#store = new JobStore(options)
    this.#engine = options.engine
  }

  async create(
    principal: Principal,
    document: EngineDocument,
    params: EngineParams,
  ): Promise<JobView | undefined> {
    return this.#store.create(principal, document, params)
  }

  async get(id: string): Promise<JobView | undefined> {
    return this.#store.get(id)
  }

  async list(
    owner: string,
    organization: string | undefined,
    page: { skip: number; perPage: number },
  ): Promise<JobPage> {
    const jobs = this.#store.list(owner, organization)
    return { totalCount: jobs.length, items: jobs.slice(page.skip, page.skip + page.perPage) }
  }

  async cancel(id: string): Promise<JobView | undefined> {
    const job = this.#store.get(id)
    if (job) this.#store.cancel(job)
    return job
  }

  onFinished(job: JobView, listener: (job: JobView) => void): () => void {
    const record = this.#store.get(job.id)
    if (!record) {
      // Forgotten (its time to live ran out) between the read and now: it had finished.
      listener(job)
      return () => {}
    }
    return this.#store.onFinished(record, listener)
  }

  /** Abort every job, remove every spooled file, and release the engine. */
  async close(): Promise<void> {
    await this.#store.close()
    await this.#engine.close?.()
  }
}
