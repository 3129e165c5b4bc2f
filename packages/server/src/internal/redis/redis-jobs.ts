/**
 * The job store of an API replica in cluster mode: job records in Redis hashes, owner indexes in sorted sets, jobs
 * handed to workers through the engine queue, and finished jobs heard of through pub/sub. Every replica reads the
 * same records, so a job submitted to one is read, streamed and cancelled through any other.
 */
import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { isTerminal } from '@numarkdown/protocol'
import type { EngineDocument, EngineParams } from '../../types.js'
import type { Principal } from '../auth.js'
import { type JobPage, JobStoreUnavailableError, type Jobs, type JobView } from '../jobs.js'
import { type ClusterConnection, engineJobOptions } from './cluster-connection.js'
import { newJobFields, outcomeFields, readJobView, removeUpload } from './job-record.js'
import { createJob, finishJob, listJobs } from './job-scripts.js'

export interface RedisJobsOptions {
  cluster: ClusterConnection
  /** The folder uploads are spooled to, shared by every node. */
  spoolDirectory: string
  /** Finished jobs are forgotten this long after they finish. */
  jobTtlMs: number
  /** Stops what else this node runs (its worker and engine, in role both) and closes the connection. */
  close: () => Promise<void>
}

export class RedisJobs implements Jobs {
  readonly #options: RedisJobsOptions
  readonly #cluster: ClusterConnection
  #closed = false

  constructor(options: RedisJobsOptions) {
    this.#options = options
    this.#cluster = options.cluster
  }

  async create(
    principal: Principal,
    document: EngineDocument,
    params: EngineParams,
  ): Promise<JobView | undefined> {
    if (this.#closed) {
      await discardUpload(document)
      return undefined
    }
    const { keys, client, queue } = this.#cluster
    const id = randomUUID()
    const now = Date.now()
    const ownerIndex = keys.ownerIndex(principal.owner)
    const organizationIndex =
      principal.organization === undefined
        ? ''
        : keys.organizationIndex(principal.owner, principal.organization)
    const fields = newJobFields({
      id,
      principal,
      document,
      params,
      now,
      ttlMs: this.#options.jobTtlMs,
      ownerIndex,
      organizationIndex,
    })
    try {
      await createJob.run(
        client,
        [keys.job(id), keys.sequence, ownerIndex, organizationIndex || ownerIndex, keys.pending],
        [id, now, ...fields],
      )
    } catch (error) {
      await discardUpload(document)
      throw unavailable('The job could not be stored', error)
    }
    try {
      await queue.add('convert', {}, { ...engineJobOptions, jobId: id })
    } catch (error) {
      // The record exists but no worker will hear of it: it is settled as failed, and its upload removed. (A node
      // that dies right here leaves it pending; workers queue such a job again, see EngineWorker.)
      await this.#settle(id, {
        errorCode: 'QueueUnavailable',
        errorMessage: 'The job could not be queued for an engine worker',
      }).catch(() => {})
      throw unavailable('The job could not be queued', error)
    }
    return this.get(id)
  }

  async get(id: string): Promise<JobView | undefined> {
    try {
      return readJobView(await this.#cluster.client.hgetall(this.#cluster.keys.job(id)))
    } catch (error) {
      throw unavailable('The job could not be read', error)
    }
  }

  async list(
    owner: string,
    organization: string | undefined,
    page: { skip: number; perPage: number },
  ): Promise<JobPage> {
    const { keys, client } = this.#cluster
    const index =
      organization === undefined ? keys.ownerIndex(owner) : keys.organizationIndex(owner, organization)
    try {
      const [totalCount, ids] = (await listJobs.run(
        client,
        [index, keys.expiring],
        [Date.now(), page.skip, page.perPage],
      )) as [number, string[]]
      const pipeline = client.pipeline()
      for (const id of ids) pipeline.hgetall(keys.job(id))
      const hashes = (await pipeline.exec()) ?? []
      const items: JobView[] = []
      for (const [error, hash] of hashes) {
        if (error) throw error
        const view = readJobView(hash as Record<string, string>)
        if (view) items.push(view)
      }
      return { totalCount, items }
    } catch (error) {
      throw unavailable('The jobs could not be listed', error)
    }
  }

  async cancel(id: string): Promise<JobView | undefined> {
    await this.#settle(id, {
      status: 'cancelled',
      errorCode: 'JobCancelled',
      errorMessage: 'The job was cancelled',
    })
    return this.get(id)
  }

  onFinished(job: JobView, listener: (job: JobView) => void): () => void {
    if (isTerminal(job.status)) {
      listener(job)
      return () => {}
    }
    let done = false
    let checking = false
    let again = false
    const check = async (): Promise<void> => {
      // One read at a time; a message that comes during a read asks for one more.
      if (checking) {
        again = true
        return
      }
      checking = true
      try {
        do {
          again = false
          const current = await this.get(job.id).catch(() => undefined)
          if (done) return
          if (current && isTerminal(current.status)) {
            stop()
            listener(current)
            return
          }
        } while (again)
      } finally {
        checking = false
      }
    }
    const unwatch = this.#cluster.events.watch(job.id, () => void check())
    const stop = (): void => {
      done = true
      unwatch()
    }
    // The job may have finished between the read that found it and the watch that began now.
    void check()
    return stop
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#options.close()
  }

  async #settle(
    id: string,
    outcome: { status?: 'cancelled' | 'failed'; errorCode: string; errorMessage: string },
  ): Promise<void> {
    const { keys, client } = this.#cluster
    let result: [number, number, string]
    try {
      result = (await finishJob.run(
        client,
        [keys.job(id), keys.pending, keys.expiring],
        [id, Date.now(), outcome.status ?? 'failed', '', keys.finishedChannel, ...outcomeFields(outcome)],
      )) as [number, number, string]
    } catch (error) {
      throw unavailable('The job could not be changed', error)
    }
    const [, remove, upload] = result
    if (remove === 1 && upload !== '') {
      await removeUpload(this.#options.spoolDirectory, upload)
    }
  }
}

function unavailable(what: string, cause: unknown): JobStoreUnavailableError {
  return new JobStoreUnavailableError(`${what}: the job store (Redis) is unreachable; try again shortly`, {
    cause,
  })
}

/** Remove an upload the cluster will not run (an in-memory one has nothing on disk). */
async function discardUpload(document: EngineDocument): Promise<void> {
  if (document.path !== undefined) await rm(document.path, { force: true }).catch(() => {})
}
