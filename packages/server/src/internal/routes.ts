/**
 * The routes of `API.md`: submit (an upload spooled within its limits and turned into a job), the job list, one
 * job, cancel, and a job's SSE stream. Each answers with a value; the checks every request passes first (route,
 * token, shutdown) and the writing of answers are the API's.
 */
import { rm } from 'node:fs/promises'
import { type Answer, apiError, hangUp, type JsonAnswer, json, text } from './answer.js'
import type { Principal } from './auth.js'
import { recogniseContentType } from './content-type.js'
import { isPartial, type JobRecord, type JobStore, toJobJson } from './job-store.js'
import { spoolUpload } from './multipart.js'
import type { RouteCall, Routes } from './route-call.js'
import { type TransferRate, watchTransferRate } from './transfer-rate.js'
import { invalidBodyMessage, parseListParams, parseSubmitParams, ValidationError } from './validate.js'

/** Room for the multipart framing and small fields around the file part. */
const multipartAllowanceBytes = 1024 * 1024

/** Options of {@link ApiRoutes}. */
export interface ApiRoutesOptions {
  store: JobStore
  maxUploadBytes: number
  spoolDirectory: string
  /** The slowest body an upload may send. */
  uploadRate: TransferRate
}

export class ApiRoutes {
  readonly #options: ApiRoutesOptions
  readonly #store: JobStore

  constructor(options: ApiRoutesOptions) {
    this.#options = options
    this.#store = options.store
  }

  /** The answer of the route `call` is for. */
  readonly serve: Routes = async (call) => {
    switch (call.route) {
      case 'submit':
        return this.#submit(call)
      case 'list':
        return this.#list(call)
      case 'getJob':
        return this.#getJob(call)
      case 'cancel':
        return this.#cancel(call)
      case 'stream':
        return this.#stream(call)
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
    const tooSlow = new AbortController()
    const stopWatching = watchTransferRate(request.socket, this.#options.uploadRate, () => tooSlow.abort())
    const spooled = await spoolUpload(request, {
      directory: this.#options.spoolDirectory,
      maxBytes: this.#options.maxUploadBytes,
      maxBodyBytes,
      signal: AbortSignal.any([shutdown, tooSlow.signal]),
    }).finally(stopWatching)
    switch (spooled.kind) {
      case 'tooLarge':
        // The rest of the body is not worth reading: answer, then close the connection.
        return this.#tooLarge()
      case 'invalid':
        return text(400, invalidBodyMessage)
      case 'aborted': {
        if (!tooSlow.signal.aborted || shutdown.aborted) return hangUp
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
      await rm(upload.path, { force: true }).catch(() => {})
      return text(
        400,
        `Invalid value for: body (the file ${JSON.stringify(upload.filename)} is empty: 0 bytes)`,
      )
    }
    try {
      upload.contentType = await recogniseContentType(upload.path, upload.contentType)
    } catch {
      // The spooled file could not be read back: the engine will say so, with the job.
    }
    const job = this.#store.create(principal, upload, params)
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

  #list({ principal, query }: RouteCall): Answer {
    let page: ReturnType<typeof parseListParams>
    try {
      page = parseListParams(query)
    } catch (error) {
      if (error instanceof ValidationError) return text(400, error.message)
      throw error
    }
    const jobs = this.#store.list(principal.owner, page.organization)
    return json(200, {
      totalCount: jobs.length,
      skip: page.skip,
      perPage: page.perPage,
      items: jobs.slice(page.skip, page.skip + page.perPage).map(toJobJson),
    })
  }

  #getJob({ principal, jobId }: RouteCall): Answer {
    const found = this.#findJob(principal, jobId)
    if (found.kind === 'json') return found
    return json(isPartial(found.job) ? 206 : 200, toJobJson(found.job))
  }

  #cancel({ principal, jobId }: RouteCall): Answer {
    const found = this.#findJob(principal, jobId)
    if (found.kind === 'json') return found
    this.#store.cancel(found.job)
    return json(200, toJobJson(found.job))
  }

  #stream({ principal, jobId }: RouteCall): Answer {
    const found = this.#findJob(principal, jobId)
    if (found.kind === 'json') return found
    return {
      kind: 'events',
      follow: (events) =>
        this.#store.onFinished(found.job, (job) => {
          if (job.status === 'timeout') {
            events.send(
              'error',
              JSON.stringify({ code: 'JobTimeout', message: job.errorMessage ?? 'Job timed out' }),
            )
          } else {
            events.send('result', JSON.stringify(toJobJson(job)))
          }
          events.end()
        }),
    }
  }

  #findJob(principal: Principal, jobId: string | undefined): { kind: 'job'; job: JobRecord } | JsonAnswer {
    const job = jobId === undefined ? undefined : this.#store.get(jobId)
    if (!job) return apiError(404, 'NotFound', `No job with ID ${jobId}`)
    if (job.owner !== principal.owner)
      return apiError(403, 'Forbidden', `Job ${jobId} belongs to another user`)
    return { kind: 'job', job }
  }
}
