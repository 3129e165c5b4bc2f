import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import type { Engine, EngineDocument, EngineOutput, EngineParams } from '../types.js'
import type { Principal } from './auth.js'

/** The statuses a job goes through: `pending → running → completed | failed | cancelled | timeout`. */
export type JobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'timeout'

const terminal = new Set<JobStatus>(['completed', 'failed', 'cancelled', 'timeout'])

/** A job as the server keeps it. */
export interface JobRecord {
  readonly id: string
  readonly sequence: number
  readonly owner: string
  readonly organization?: string
  status: JobStatus
  readonly createdAt: Date
  updatedAt: Date
  startedAt?: Date
  completedAt?: Date
  readonly inputData: string
  readonly document: EngineDocument
  readonly params: EngineParams
  output?: EngineOutput
  errorCode?: string
  errorMessage?: string
  readonly controller: AbortController
  timeoutTimer?: NodeJS.Timeout
  readonly listeners: Set<(job: JobRecord) => void>
}

/** The job object of the API, as `GET /api/jobs/{id}` answers it. */
export interface JobJson {
  id: string
  jobType: string
  status: JobStatus
  ownerUser: string
  ownerOrganization?: string
  inputData: string
  outputData?: string
  errorMessage?: string
  errorCode?: string
  startedAt: string
  completedAt?: string
  createdAt: string
  updatedAt: string
}

export interface JobStoreOptions {
  engine: Engine
  concurrency: number
  jobTtlMs: number
}

/** Holds jobs, runs at most `concurrency` of them through the engine, and expires finished ones. */
export class JobStore {
  readonly #options: JobStoreOptions
  readonly #jobs = new Map<string, JobRecord>()
  readonly #queue: JobRecord[] = []
  readonly #expiry = new Map<string, NodeJS.Timeout>()
  readonly #removals = new Set<Promise<void>>()
  #running = 0
  #sequence = 0
  #closed = false

  constructor(options: JobStoreOptions) {
    this.#options = options
  }

  /** Create a pending job for a spooled document and queue it. */
  create(principal: Principal, document: EngineDocument, params: EngineParams): JobRecord {
    const now = new Date()
    const job: JobRecord = {
      id: randomUUID(),
      sequence: this.#sequence++,
      owner: principal.owner,
      ...(principal.organization === undefined ? {} : { organization: principal.organization }),
      status: 'pending',
      createdAt: now,
      updatedAt: now,
      inputData: JSON.stringify({
        filename: document.filename,
        contentType: document.contentType,
        size: document.size,
        sha256: document.sha256,
      }),
      document,
      params,
      controller: new AbortController(),
      listeners: new Set(),
    }
    this.#jobs.set(job.id, job)
    this.#queue.push(job)
    this.#drain()
    return job
  }

  get(id: string): JobRecord | undefined {
    return this.#jobs.get(id)
  }

  /** The jobs of one owner (and organization, when given), newest first. */
  list(owner: string, organization?: string): JobRecord[] {
    return [...this.#jobs.values()]
      .filter(
        (job) => job.owner === owner && (organization === undefined || job.organization === organization),
      )
      .sort((a, b) => b.sequence - a.sequence)
  }

  /** Cancel a job that has not finished; a finished job is left as it is. */
  cancel(job: JobRecord): void {
    if (isTerminal(job.status)) return
    const index = this.#queue.indexOf(job)
    if (index >= 0) this.#queue.splice(index, 1)
    this.#finish(job, 'cancelled', { errorCode: 'JobCancelled', errorMessage: 'The job was cancelled' })
  }

  /** Call `listener` once the job is finished (at once when it already is); returns an unsubscribe function. */
  onFinished(job: JobRecord, listener: (job: JobRecord) => void): () => void {
    if (isTerminal(job.status)) {
      listener(job)
      return () => {}
    }
    job.listeners.add(listener)
    return () => job.listeners.delete(listener)
  }

  /** Abort every job, forget every listener, and remove every spooled file. */
  async close(): Promise<void> {
    this.#closed = true
    this.#queue.length = 0
    for (const timer of this.#expiry.values()) clearTimeout(timer)
    this.#expiry.clear()
    for (const job of this.#jobs.values()) {
      job.listeners.clear()
      clearTimeout(job.timeoutTimer)
      if (!isTerminal(job.status)) {
        job.status = 'cancelled'
        job.controller.abort(new Error('The server is closing'))
        this.#removeFile(job)
      }
    }
    await Promise.all(this.#removals)
  }

  #drain(): void {
    while (!this.#closed && this.#running < this.#options.concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift()!
      this.#running += 1
      void this.#run(job)
    }
  }

  async #run(job: JobRecord): Promise<void> {
    job.status = 'running'
    job.startedAt = new Date()
    job.updatedAt = job.startedAt
    const { timeoutMs } = job.params
    if (timeoutMs !== undefined) {
      job.timeoutTimer = setTimeout(() => {
        this.#finish(job, 'timeout', {
          errorCode: 'JobTimeout',
          errorMessage: `The job ran past its execution timeout of ${timeoutMs} ms`,
        })
      }, timeoutMs)
    }
    try {
      const output = await this.#options.engine.convert(job.document, job.params, job.controller.signal)
      this.#finish(job, 'completed', { output })
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code
      const errorCode =
        error instanceof Error && typeof code === 'string' && code !== '' ? code : 'EngineFailure'
      const message = error instanceof Error ? error.message : String(error)
      this.#finish(job, 'failed', { errorCode, errorMessage: message })
    }
  }

  #finish(
    job: JobRecord,
    status: JobStatus,
    details: { output?: EngineOutput; errorCode?: string; errorMessage?: string },
  ): void {
    if (isTerminal(job.status)) return
    const wasRunning = job.status === 'running'
    job.status = status
    job.completedAt = new Date()
    job.updatedAt = job.completedAt
    if (details.output) job.output = details.output
    if (details.errorCode !== undefined) job.errorCode = details.errorCode
    if (details.errorMessage !== undefined) job.errorMessage = details.errorMessage
    clearTimeout(job.timeoutTimer)
    if (status !== 'completed' && status !== 'failed') {
      job.controller.abort(new Error(`The job was ${status === 'timeout' ? 'timed out' : 'cancelled'}`))
    }
    this.#removeFile(job)
    const expiry = setTimeout(() => {
      this.#jobs.delete(job.id)
      this.#expiry.delete(job.id)
    }, this.#options.jobTtlMs)
    expiry.unref()
    this.#expiry.set(job.id, expiry)
    const listeners = [...job.listeners]
    job.listeners.clear()
    for (const listener of listeners) listener(job)
    if (wasRunning) {
      this.#running -= 1
      this.#drain()
    }
  }

  #removeFile(job: JobRecord): void {
    const removal = rm(job.document.path, { force: true }).catch(() => {})
    this.#removals.add(removal)
    void removal.finally(() => this.#removals.delete(removal))
  }
}

/** Whether a status is final. */
export function isTerminal(status: JobStatus): boolean {
  return terminal.has(status)
}

/** Whether a completed job's result is partial (its markdown or its reasoning is empty). */
export function isPartial(job: JobRecord): boolean {
  return job.status === 'completed' && (!job.output?.result || !job.output.reasoning)
}

/** The API's view of a job. */
export function toJobJson(job: JobRecord): JobJson {
  const json: JobJson = {
    id: job.id,
    jobType: 'markdown',
    status: job.status,
    ownerUser: job.owner,
    inputData: job.inputData,
    startedAt: (job.startedAt ?? job.createdAt).toISOString(),
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
  }
  if (job.organization !== undefined) json.ownerOrganization = job.organization
  if (job.status === 'completed' && job.output) json.outputData = JSON.stringify(outputData(job.output))
  if (job.errorCode !== undefined) json.errorCode = job.errorCode
  if (job.errorMessage !== undefined) json.errorMessage = job.errorMessage
  if (job.completedAt) json.completedAt = job.completedAt.toISOString()
  return json
}

function outputData(output: EngineOutput): Record<string, unknown> {
  const data: Record<string, unknown> = { result: output.result ?? '', reasoning: output.reasoning ?? '' }
  if (!output.result || !output.reasoning) {
    data.rawResponse = output.rawResponse ?? ''
  }
  const usage = output.usage
  if (usage?.inputTokens !== undefined) data.inputTokens = usage.inputTokens
  if (usage?.outputTokens !== undefined) data.outputTokens = usage.outputTokens
  if (usage?.totalTokens !== undefined) data.totalTokens = usage.totalTokens
  if (output.pageCount !== undefined) data.pageCount = output.pageCount
  if (output.warnings !== undefined && output.warnings.length > 0) data.warnings = output.warnings
  return data
}
