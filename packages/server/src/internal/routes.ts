/**
 * The routes of `API.md`: submit (an upload spooled within its limits and turned into a job), the job list, one
 * job, cancel, and a job's SSE stream. Each answers with a value; the checks every request passes first (route,
 * token, shutdown) and the writing of answers are the API's.
 */

import { rm } from 'node:fs/promises'
import {
  invalidBodyMessage,
  type JobList,
  parseListParams,
  parseSubmitParams,
  ValidationError,
} from '@numarkdown/protocol'
import { type Answer, apiError, hangUp, type JsonAnswer, json, text } from './answer.js'
import type { Principal } from './auth.js'
import { isInformative, recogniseContentType } from './content-type.js'
import { isPartial, jobText, toJobJson } from './job-store.js'
import { JobStoreUnavailableError, type Jobs, type JobView } from './jobs.js'
import { MemoryBudget } from './memory-budget.js'
import { spoolUpload } from './multipart.js'
import type { RouteCall, Routes } from './route-call.js'
import { type TransferRate, watchTransferRate } from './transfer-rate.js'

/** Room for the multipart framing and small fields around the file part. */
const multipartAllowanceBytes = 1024 * 1024

/** Options of {@link ApiRoutes}. */
export interface ApiRoutesOptions {
  store: Jobs
  maxUploadBytes: number
  spoolDirectory: string
  /**
   * Uploads up to `bytes` stay in memory, within `budget` (shared with the job store, which gives their share back);
   * absent, every upload is spooled.
   */
  memory?: { bytes: number; budget: MemoryBudget }
  /** The slowest body an upload may send. */
  uploadRate: TransferRate
}

/** Without in-memory uploads: a budget that holds nothing. */
const noMemory = { bytes: 0, budget: new MemoryBudget(0) }

export class ApiRoutes {
  readonly #options: ApiRoutesOptions
  readonly #store: Jobs

  constructor(options: ApiRoutesOptions) {
    this.#options = options
    this.#store = options.store
  }

  /** The answer of the route `call` is for. */
  readonly serve: Routes = async (call) => {
    try {
      switch (call.route) {
        case 'submit':
          return await this.#submit(call)
        case 'list':
          return await this.#list(call)
        case 'getJob':
          return await this.#getJob(call)
        case 'cancel':
          return await this.#cancel(call)
        case 'stream':
          return await this.#stream(call)
      }
    } catch (error) {
      // A shared store out of reach is the server's trouble for a while, not the request's: a client retries 503.
      if (error instanceof JobStoreUnavailableError) {
        return { ...apiError(503, 'ServiceUnavailable', error.message), headers: { 'retry-after': '1' } }
      }
      throw error
    }
  }

  async #submit({ request, response, query, principal, entry, shutdown }: RouteCall): Promise<Answer> {
    let params: ReturnType<typeof parseSubmitParams>
    try {
      params = parseSubmitParams(query)
    } catch (error) {
      if (error instanceof ValidationError) return text(400, error.message)
      throw error
    }
    const maxBodyBytes = this.#options.maxUploadBytes + multipartAllowanceBytes
    if (Number(request.headers['content-length']) > maxBodyBytes) {
      // Refused from its declared length, before a byte of it is read (or invited, under Expect: 100-continue).
      return this.#tooLarge()
    }
    if (/100-continue/i.test(request.headers.expect ?? '')) response.writeContinue()
    let tooSlow = false
    const memory = this.#options.memory ?? noMemory
    const spooled = await spoolUpload(request, {
      directory: this.#options.spoolDirectory,
      maxBytes: this.#options.maxUploadBytes,
      maxBodyBytes,
      memoryBytes: memory.bytes,
      budget: memory.budget,
      signal: shutdown,
      watch: (abort) =>
        watchTransferRate(request.socket, this.#options.uploadRate, () => {
          tooSlow = true
          abort()
        }),
    })
    switch (spooled.kind) {
      case 'tooLarge':
        // The rest of the body is not worth reading: answer, then close the connection.
        return this.#tooLarge()
      case 'invalid':
        return text(400, invalidBodyMessage)
      case 'aborted': {
        if (!tooSlow || shutdown.aborted) return hangUp
        const { minBytesPerSecond, windowMs } = this.#options.uploadRate
        return apiError(
          408,
          'RequestTimeout',
          `The upload was cut off: it sent less than ${minBytesPerSecond} bytes per second over ${windowMs} ms`,
        )
      }
      case 'error':
        return apiError(500, 'InternalServerError', 'The upload could not be stored')
    }
    // The whole body was read: the connection can serve the client's next request.
    response.removeHeader('connection')
    const upload = spooled.upload
    if (upload.size === 0) {
      if (upload.path !== undefined) await rm(upload.path, { force: true }).catch(() => {})
      return text(
        400,
        `Invalid value for: body (the file ${JSON.stringify(upload.filename)} is empty: 0 bytes)`,
      )
    }
    // A type that says what the document is reaches the job as it is, without a detour.
    if (!isInformative(upload.contentType)) {
      try {
        upload.contentType = await recogniseContentType(upload.bytes ?? upload.path!, upload.contentType)
      } catch {
        // The spooled file could not be read back: the engine will say so, with the job.
      }
    }
    const job = await this.#store.create(principal, upload, params)
    if (!job) return apiError(503, 'ServiceUnavailable', 'The server is shutting down')
    entry.jobId = job.id
    return json(200, { jobId: job.id })
  }

  #tooLarge(): Answer {
    return {
      ...apiError(
        413,
        'PayloadTooLarge',
        `The upload exceeds the limit of ${this.#options.maxUploadBytes} bytes`,
      ),
      headers: { connection: 'close' },
    }
  }

  async #list({ principal, query }: RouteCall): Promise<Answer> {
    let page: ReturnType<typeof parseListParams>
    try {
      page = parseListParams(query)
    } catch (error) {
      if (error instanceof ValidationError) return text(400, error.message)
      throw error
    }
    const jobs = await this.#store.list(principal.owner, page.organization, page)
    return json(200, {
      totalCount: jobs.totalCount,
      skip: page.skip,
      perPage: page.perPage,
      items: jobs.items.map(toJobJson),
    } satisfies JobList)
  }

  async #getJob({ principal, jobId }: RouteCall): Promise<Answer> {
    const found = await this.#findJob(principal, jobId)
    if (found.kind === 'json') return found
    return json(isPartial(found.job) ? 206 : 200, toJobJson(found.job))
  }

  async #cancel({ principal, jobId }: RouteCall): Promise<Answer> {
    const found = await this.#findJob(principal, jobId)
    if (found.kind === 'json') return found
    const job = (await this.#store.cancel(found.job.id)) ?? found.job
    return json(200, toJobJson(job))
  }

  async #stream({ principal, jobId }: RouteCall): Promise<Answer> {
    const found = await this.#findJob(principal, jobId)
    if (found.kind === 'json') return found
    return {
      kind: 'events',
      follow: (events) =>
        this.#store.onFinished(found.job, (job) => {
          if (job.status === 'timeout') {
            events.sendLast(
              'error',
              JSON.stringify({ code: 'JobTimeout', message: job.errorMessage ?? 'Job timed out' }),
            )
          } else {
            // (Most of its text was prepared while the job ran.)
            events.sendLast('result', jobText(job))
          }
        }),
    }
  }

  async #findJob(
    principal: Principal,
    jobId: string | undefined,
  ): Promise<{ kind: 'job'; job: JobView } | JsonAnswer> {
    const job = jobId === undefined ? undefined : await this.#store.get(jobId)
    if (!job) return apiError(404, 'NotFound', `No job with ID ${jobId}`)
    if (job.owner !== principal.owner)
      return apiError(403, 'Forbidden', `Job ${jobId} belongs to another user`)
    return { kind: 'job', job }
  }
}
