/**
 * The jobs of one server: their lifecycle, the engine calls that run them (at most `concurrency` at once), and
 * the spooled uploads they hold. A job is settled (timed out, cancelled) the moment the client is told, but its
 * upload stays on disk and its slot stays taken until the engine's call has returned: the engine may still be
 * reading the file, and work that outlived its job must not pile up beside new work.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { isTerminal, type Job, type JobStatus, type OutputData } from '@numarkdown/protocol'
import type { Engine, EngineDocument, EngineOutput, EngineParams } from '../types.js'
import type { Principal } from './auth.js'
import type { MemoryBudget } from './memory-budget.js'
import { UploadLease } from './upload-lease.js'

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
  /** The upload (on disk or in memory): the job holds a lease until it is settled, the engine while its call runs. */
  readonly lease: UploadLease
  timeoutTimer?: NodeJS.Timeout
  readonly listeners: Set<(job: JobRecord) => void>
  /** What the job's JSON text is made of once it runs, prepared while its engine works (see {@link jobText}). */
  textParts?: JobTextParts
}

/** An engine call just started for a job: what it will give, and the lease it holds on the upload. */
interface EngineCall {
  converting: unknown
  releaseUpload: () => void
}

export interface JobStoreOptions {
  engine: Engine
  concurrency: number
  jobTtlMs: number
  /**
   * On close, how long to wait for engine calls to return after their jobs were aborted, before their uploads are
   * removed anyway. @default 10000
   */
  engineStopGraceMs?: number
  /** What uploads held in memory were counted against: their share is given back once their job lets go. */
  memoryBudget?: MemoryBudget
}

/** Holds jobs, runs at most `concurrency` of them through the engine, and expires finished ones. */
export class JobStore {
  readonly #options: JobStoreOptions
  readonly #jobs = new Map<string, JobRecord>()
  readonly #queue: JobRecord[] = []
  readonly #expiry = new Map<string, NodeJS.Timeout>()
  /** Engine calls in progress: each settles once its call has returned, whatever it returned. */
  readonly #engineCalls = new Set<Promise<void>>()
  #running = 0
  #sequence = 0
  #closed = false

  constructor(options: JobStoreOptions) {
    this.#options = options
  }

  /**
   * Create a pending job for a received document and queue it; the job owns the upload (its file, or its bytes)
   * from now on. Returns undefined once the store is closed (the upload is removed then).
   */
  create(principal: Principal, document: EngineDocument, params: EngineParams): JobRecord | undefined {
    const lease = new UploadLease(document, this.#options.memoryBudget)
    if (this.#closed) {
      void lease.remove()
      return undefined
    }
    const controller = new AbortController()
    if (this.#running < this.#options.concurrency && this.#queue.length === 0) {
      // The engine starts first: the job's ID, dates and description, which no one can read before this call
      // returns, are made while the engine works (the upload's hash among them, see `deferSha256`).
      const call = this.#startEngine(document, params, controller.signal, lease)
      const job = this.#record(principal, document, params, controller, lease)
      this.#jobs.set(job.id, job)
      this.#begin(job, job.createdAt, call)
      return job
    }
    const job = this.#record(principal, document, params, controller, lease)
    this.#jobs.set(job.id, job)
    this.#queue.push(job)
    this.#drain()
    return job
  }

  #record(
    principal: Principal,
    document: EngineDocument,
    params: EngineParams,
    controller: AbortController,
    lease: UploadLease,
  ): JobRecord {
    const now = new Date()
    return {
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
      controller,
      lease,
      listeners: new Set(),
    }
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

  /**
   * Abort every job, forget every listener, wait for the engine calls in progress to return (at most
   * `engineStopGraceMs`), and remove every spooled file.
   */
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
        job.lease.release()
      }
    }
    if (this.#engineCalls.size > 0) {
      const grace = new AbortController()
      await Promise.race([
        Promise.all(this.#engineCalls),
        sleep(this.#options.engineStopGraceMs ?? 10_000, undefined, { signal: grace.signal }).catch(() => {}),
      ])
      grace.abort()
    }
    await Promise.all([...this.#jobs.values()].map((job) => job.lease.remove()))
  }

  #drain(): void {
    while (!this.#closed && this.#running < this.#options.concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift()!
      this.#begin(
        job,
        new Date(),
        this.#startEngine(job.document, job.params, job.controller.signal, job.lease),
      )
    }
  }

  /**
   * Take a slot and a lease on the upload, and call the engine. An engine that throws at once gives a rejected
   * promise: the job is settled once its record is complete, never in the middle of its making.
   */
  #startEngine(
    document: EngineDocument,
    params: EngineParams,
    signal: AbortSignal,
    lease: UploadLease,
  ): EngineCall {
    this.#running += 1
    const releaseUpload = lease.acquire()
    try {
      return { converting: this.#options.engine.convert(document, params, signal), releaseUpload }
    } catch (error) {
      return { converting: Promise.reject(error), releaseUpload }
    }
  }

  /**
   * The bookkeeping of a job whose engine call has just started; then the job is settled with what the call
   * gives, and its slot and its lease on the upload are given back.
   */
  #begin(job: JobRecord, startedAt: Date, { converting, releaseUpload }: EngineCall): void {
    job.status = 'running'
    job.startedAt = startedAt
    job.updatedAt = startedAt
    const { timeoutMs } = job.params
    if (timeoutMs !== undefined) {
      job.timeoutTimer = setTimeout(() => {
        this.#finish(job, 'timeout', {
          errorCode: 'JobTimeout',
          errorMessage: `The job ran past its execution timeout of ${timeoutMs} ms`,
        })
      }, timeoutMs)
    }
    job.textParts = prepareJobText(job)
    const call = this.#settle(job, converting).finally(() => {
      releaseUpload()
      this.#engineCalls.delete(call)
      this.#running -= 1
      this.#drain()
    })
    this.#engineCalls.add(call)
  }

  /** Whatever the engine call does (throw at once, reject, return nonsense), the job ends settled. */
  async #settle(job: JobRecord, converting: unknown): Promise<void> {
    try {
      const output: unknown = await converting
      if (!isEngineOutput(output)) {
        this.#finish(job, 'failed', {
          errorCode: 'EngineFailure',
          errorMessage: `The engine ${this.#options.engine.name} returned no result (expected { result: string, reasoning: string })`,
        })
        return
      }
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
    // Those waiting for the job are told first: what follows is bookkeeping that no client waits for.
    const listeners = [...job.listeners]
    job.listeners.clear()
    for (const listener of listeners) {
      try {
        listener(job)
      } catch {
        // A listener is an SSE stream whose client may be gone; the job is settled all the same.
      }
    }
    job.lease.release()
    const expiry = setTimeout(() => {
      this.#jobs.delete(job.id)
      this.#expiry.delete(job.id)
    }, this.#options.jobTtlMs)
    expiry.unref()
    this.#expiry.set(job.id, expiry)
  }
}

function isEngineOutput(output: unknown): output is EngineOutput {
  return typeof output === 'object' && output !== null && typeof (output as EngineOutput).result === 'string'
}

/** Whether a completed job's result is partial (its markdown or its reasoning is empty). */
export function isPartial(job: Pick<JobFields, 'status' | 'output'>): boolean {
  return job.status === 'completed' && (!job.output?.result || !job.output.reasoning)
}

/**
 * What the API's view of a job is made of: a record of this store, or one read back from another store (Redis in
 * cluster mode).
 */
export type JobFields = Pick<
  JobRecord,
  | 'id'
  | 'owner'
  | 'organization'
  | 'status'
  | 'createdAt'
  | 'updatedAt'
  | 'startedAt'
  | 'completedAt'
  | 'inputData'
  | 'output'
  | 'errorCode'
  | 'errorMessage'
  | 'textParts'
>

/** The API's view of a job. */
export function toJobJson(job: JobFields): Job {
  const json: Job = {
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

/**
 * What a job's JSON text is made of once it runs: everything but its status, its last update, its outcome and its
 * end. Prepared while the engine works, so that only those are written out between the engine's return and the
 * result leaving.
 */
export interface JobTextParts {
  /** From the start to `"status":`. */
  readonly head: string
  /** From `,"ownerUser":` to `"updatedAt":`. */
  readonly middle: string
  /** `,"ownerOrganization":…`, or nothing. */
  readonly organization: string
}

/** The parts of the JSON text of a job that has started (`startedAt` set), in the order of {@link toJobJson}. */
export function prepareJobText(job: JobFields): JobTextParts {
  const startedAt = (job.startedAt ?? job.createdAt).toISOString()
  const createdAt = job.startedAt === job.createdAt ? startedAt : job.createdAt.toISOString()
  return {
    head: `{"id":${JSON.stringify(job.id)},"jobType":"markdown","status":`,
    middle:
      `,"ownerUser":${JSON.stringify(job.owner)},"inputData":${JSON.stringify(job.inputData)},` +
      `"startedAt":"${startedAt}","createdAt":"${createdAt}","updatedAt":`,
    organization:
      job.organization === undefined ? '' : `,"ownerOrganization":${JSON.stringify(job.organization)}`,
  }
}

/**
 * The JSON text of {@link toJobJson}'s view of a job (the same characters as `JSON.stringify(toJobJson(job))`),
 * from its prepared parts when it has them.
 */
export function jobText(job: JobFields): string {
  const parts = job.textParts
  if (parts === undefined) return JSON.stringify(toJobJson(job))
  const completedAt = job.completedAt?.toISOString()
  const updatedAt =
    completedAt !== undefined && job.updatedAt === job.completedAt ? completedAt : job.updatedAt.toISOString()
  let text = `${parts.head}${JSON.stringify(job.status)}${parts.middle}"${updatedAt}"${parts.organization}`
  if (job.status === 'completed' && job.output) {
    text += `,"outputData":${JSON.stringify(JSON.stringify(outputData(job.output)))}`
  }
  if (job.errorCode !== undefined) text += `,"errorCode":${JSON.stringify(job.errorCode)}`
  if (job.errorMessage !== undefined) text += `,"errorMessage":${JSON.stringify(job.errorMessage)}`
  if (completedAt !== undefined) text += `,"completedAt":"${completedAt}"`
  return `${text}}`
}

function outputData(output: EngineOutput): OutputData {
  const data: OutputData = { result: output.result ?? '', reasoning: output.reasoning ?? '' }
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
