/**
 * The API of `API.md` as a Node request listener: routing, auth, uploads (refused before their body is read
 * whenever possible), the job routes and SSE, plus the request log and an orderly shutdown. Routes answer with
 * values that one place writes; a layer given in the options (the fault plan of tests) may wrap the routes.
 */
import { setMaxListeners } from 'node:events'
import { rm } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Engine, RequestLogEntry } from '../types.js'
import { type Answer, apiError, hangUp, type JsonAnswer, json, sendAnswer, text } from './answer.js'
import type { Principal, TokenVerifier } from './auth.js'
import { recogniseContentType } from './content-type.js'
import { isPartial, type JobRecord, JobStore, toJobJson } from './job-store.js'
import { lingerOnClose } from './lingering-close.js'
import { spoolUpload } from './multipart.js'
import type { RouteCall, RouteLayer, Routes } from './route-call.js'
import { matchRoute } from './router.js'
import { SseStream } from './sse.js'
import { type TransferRate, watchTransferRate } from './transfer-rate.js'
import { invalidBodyMessage, parseListParams, parseSubmitParams, ValidationError } from './validate.js'

/** Options of the request handler, with every default resolved. */
export interface ApiOptions {
  engine: Engine
  tokens: TokenVerifier
  maxUploadBytes: number
  concurrency: number
  pingIntervalMs: number
  jobTtlMs: number
  spoolDirectory: string
  /** The slowest body an upload may send. */
  uploadRate: TransferRate
  /** On close, how long to wait for engine calls to return before removing their uploads anyway. */
  engineStopGraceMs?: number
  /** Wraps the routes: the fault plan of tests. */
  layer?: RouteLayer
}

/** Room for the multipart framing and small fields around the file part. */
const multipartAllowanceBytes = 1024 * 1024

/** The request log keeps this many recent entries, so that a long-running server stays bounded. */
const maxLogEntries = 100_000

/** The API of `API.md` as a Node request listener, plus the request log and an orderly shutdown. */
export class Api {
  readonly requests: RequestLogEntry[] = []
  readonly #options: ApiOptions
  readonly #store: JobStore
  readonly #streams = new Set<SseStream>()
  readonly #shutdown = new AbortController()
  readonly #routes: Routes

  constructor(options: ApiOptions) {
    this.#options = options
    // Every upload in progress listens for shutdown (and removes its listener when done): hundreds at once is
    // normal load here, not a leak, so Node's warning past 10 listeners is turned off for this signal.
    setMaxListeners(0, this.#shutdown.signal)
    this.#store = new JobStore({
      engine: options.engine,
      concurrency: options.concurrency,
      jobTtlMs: options.jobTtlMs,
      ...(options.engineStopGraceMs === undefined ? {} : { engineStopGraceMs: options.engineStopGraceMs }),
    })
    const routes: Routes = (call) => this.#serve(call)
    this.#routes = options.layer ? options.layer(routes) : routes
  }

  /** The Node request listener. Never throws: whatever a client sends, the process stays up. */
  readonly listener = (request: IncomingMessage, response: ServerResponse): void => {
    const entry: RequestLogEntry = {
      method: request.method ?? 'GET',
      path: (request.url ?? '/').split('?')[0] ?? '/',
      route: 'unknown',
      status: 0,
      startedAt: Date.now(),
      durationMs: 0,
    }
    this.requests.push(entry)
    if (this.requests.length > maxLogEntries * 1.1)
      this.requests.splice(0, this.requests.length - maxLogEntries)
    response.on('close', () => {
      entry.status = response.headersSent ? response.statusCode : 0
      entry.durationMs = Date.now() - entry.startedAt
    })
    request.on('error', () => {})
    response.on('error', () => {})
    this.#handle(request, response, entry).catch(() => {
      if (!response.headersSent) {
        sendAnswer(response, apiError(500, 'InternalServerError', 'Unexpected server error'))
      } else response.destroy()
    })
  }

  /** End open streams, abort uploads and jobs, remove spooled files, and release the engine. */
  async close(): Promise<void> {
    this.#shutdown.abort()
    for (const stream of this.#streams) stream.end()
    this.#streams.clear()
    await this.#store.close()
    await this.#options.engine.close?.()
  }

  async #handle(request: IncomingMessage, response: ServerResponse, entry: RequestLogEntry): Promise<void> {
    // Until a body is read, any answer closes the connection: otherwise Node reads (and drops) the whole body
    // to keep the connection alive, and a client that was refused goes on sending it. Reading an upload to its
    // end lifts this.
    if (hasBody(request)) {
      response.setHeader('connection', 'close')
      lingerOnClose(request.socket)
    }
    const url = request.url ?? '/'
    const queryStart = url.indexOf('?')
    const query = new URLSearchParams(queryStart >= 0 ? url.slice(queryStart + 1) : '')
    const match = matchRoute(entry.method, entry.path)
    if (match.kind === 'notFound') {
      sendAnswer(response, apiError(404, 'NotFound', `No route for ${entry.method} ${entry.path}`))
      return
    }
    entry.route = match.route
    if (match.kind === 'methodNotAllowed') {
      sendAnswer(response, {
        ...apiError(405, 'MethodNotAllowed', `Use ${match.allow} for ${entry.path}`),
        headers: { allow: match.allow },
      })
      return
    }
    const principal = this.#options.tokens.verify(request.headers.authorization)
    if (!principal) {
      sendAnswer(response, {
        ...apiError(401, 'Unauthorized', 'A valid bearer token is required'),
        headers: { 'www-authenticate': 'Bearer' },
      })
      return
    }
    entry.owner = principal.owner
    if (match.jobId !== undefined) entry.jobId = match.jobId
    if (this.#shutdown.signal.aborted) {
      sendAnswer(response, apiError(503, 'ServiceUnavailable', 'The server is shutting down'))
      return
    }
    const answer = await this.#routes({
      route: match.route,
      jobId: match.jobId,
      query,
      principal,
      request,
      response,
      entry,
      shutdown: this.#shutdown.signal,
    })
    this.#send(response, answer)
  }

  async #serve(call: RouteCall): Promise<Answer> {
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

  #send(response: ServerResponse, answer: Answer): void {
    if (answer.kind !== 'events') {
      sendAnswer(response, answer)
      return
    }
    const stream = new SseStream(response, { pingIntervalMs: this.#options.pingIntervalMs })
    this.#streams.add(stream)
    const stop = answer.follow(stream)
    stream.onClose(() => {
      stop()
      this.#streams.delete(stream)
    })
  }

  async #submit({ request, response, query, principal, entry }: RouteCall): Promise<Answer> {
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
      signal: AbortSignal.any([this.#shutdown.signal, tooSlow.signal]),
    }).finally(stopWatching)
    switch (spooled.kind) {
      case 'tooLarge':
        // The rest of the body is not worth reading: answer, then close the connection.
        return this.#tooLarge()
      case 'invalid':
        return text(400, invalidBodyMessage)
      case 'aborted': {
        if (!tooSlow.signal.aborted || this.#shutdown.signal.aborted) return hangUp
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

/** Whether a request carries a body (a length above 0, or chunked). */
function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0)
}
