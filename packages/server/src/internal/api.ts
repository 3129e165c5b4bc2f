/**
 * The API of `API.md` as a Node request listener: routing, auth, faults, uploads (refused before their body is read
 * whenever possible), the job routes and SSE, plus the request log and an orderly shutdown.
 */
import { setMaxListeners } from 'node:events'
import { rm } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Engine, FaultAction, RequestLogEntry } from '../types.js'
import type { Principal, TokenVerifier } from './auth.js'
import { recogniseContentType } from './content-type.js'
import type { FaultInjector } from './faults.js'
import { sendError, sendJson, sendText } from './http.js'
import { isPartial, type JobRecord, JobStore, toJobJson } from './job-store.js'
import { lingerOnClose } from './lingering-close.js'
import { spoolUpload } from './multipart.js'
import { matchRoute, type RouteName } from './router.js'
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
  faults: FaultInjector
  spoolDirectory: string
  /** The slowest body an upload may send. */
  uploadRate: TransferRate
  /** On close, how long to wait for engine calls to return before removing their uploads anyway. */
  engineStopGraceMs?: number
}

/** Room for the multipart framing and small fields around the file part. */
const multipartAllowanceBytes = 1024 * 1024

type Fault = Exclude<FaultAction, { type: 'delay' }>

const statusCodes: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  408: 'RequestTimeout',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
}

const malformedJson = '{"id": "truncated", "status": '

/** The request log keeps this many recent entries, so that a long-running server stays bounded. */
const maxLogEntries = 100_000

/** The API of `API.md` as a Node request listener, plus the request log and an orderly shutdown. */
export class Api {
  readonly requests: RequestLogEntry[] = []
  readonly #options: ApiOptions
  readonly #store: JobStore
  readonly #streams = new Set<SseStream>()
  readonly #shutdown = new AbortController()

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
      if (!response.headersSent) sendError(response, 500, 'InternalServerError', 'Unexpected server error')
      else response.destroy()
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
      sendError(response, 404, 'NotFound', `No route for ${entry.method} ${entry.path}`)
      return
    }
    entry.route = match.route
    if (match.kind === 'methodNotAllowed') {
      sendError(response, 405, 'MethodNotAllowed', `Use ${match.allow} for ${entry.path}`, {
        allow: match.allow,
      })
      return
    }
    const principal = this.#options.tokens.verify(request.headers.authorization)
    if (!principal) {
      sendError(response, 401, 'Unauthorized', 'A valid bearer token is required', {
        'www-authenticate': 'Bearer',
      })
      return
    }
    entry.owner = principal.owner
    if (match.jobId !== undefined) entry.jobId = match.jobId
    if (this.#shutdown.signal.aborted) {
      sendError(response, 503, 'ServiceUnavailable', 'The server is shutting down')
      return
    }

    const decision = this.#options.faults.decide(match.route)
    if (decision.logged) entry.fault = decision.logged
    if (decision.delayMs > 0) {
      try {
        await sleep(decision.delayMs, undefined, { signal: this.#shutdown.signal })
      } catch {
        response.destroy()
        return
      }
    }
    const fault = decision.fault
    if (fault?.type === 'reset' && fault.when === 'before') {
      request.socket.destroy()
      return
    }
    if (fault?.type === 'rateLimit') {
      sendError(response, 429, 'RateLimited', 'Too many requests', {
        'retry-after': String(fault.retryAfterSeconds),
      })
      return
    }
    const answeredBefore =
      match.route !== 'submit' || (fault?.type === 'status' && ![502, 504].includes(fault.status))
    if (fault?.type === 'status' && answeredBefore) {
      sendFaultStatus(response, fault)
      return
    }

    switch (match.route) {
      case 'submit':
        await this.#submit(request, response, entry, principal, query, fault)
        return
      case 'stream':
        this.#stream(response, principal, match.jobId!, fault)
        return
      default:
        this.#deliver(request, response, this.#answer(match.route, principal, match.jobId, query), fault)
    }
  }

  async #submit(
    request: IncomingMessage,
    response: ServerResponse,
    entry: RequestLogEntry,
    principal: Principal,
    query: URLSearchParams,
    fault: Fault | undefined,
  ): Promise<void> {
    let params: ReturnType<typeof parseSubmitParams>
    try {
      params = parseSubmitParams(query)
    } catch (error) {
      if (error instanceof ValidationError) {
        sendText(response, 400, error.message)
        return
      }
      throw error
    }
    const maxBodyBytes = this.#options.maxUploadBytes + multipartAllowanceBytes
    if (Number(request.headers['content-length']) > maxBodyBytes) {
      // Refused from its declared length, before a byte of it is read (or invited, under Expect: 100-continue).
      this.#tooLarge(response)
      return
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
        this.#tooLarge(response)
        return
      case 'invalid':
        sendText(response, 400, invalidBodyMessage)
        return
      case 'aborted':
        if (tooSlow.signal.aborted && !this.#shutdown.signal.aborted) {
          const { minBytesPerSecond, windowMs } = this.#options.uploadRate
          sendError(
            response,
            408,
            'RequestTimeout',
            `The upload was cut off: it sent less than ${minBytesPerSecond} bytes per second over ${windowMs} ms`,
          )
          return
        }
        request.destroy()
        return
      case 'error':
        sendError(response, 500, 'InternalServerError', 'The upload could not be stored')
        return
    }
    // The whole body was read: the connection can serve the client's next request.
    response.removeHeader('connection')
    const upload = spooled.upload
    if (upload.size === 0) {
      await rm(upload.path, { force: true }).catch(() => {})
      sendText(
        response,
        400,
        `Invalid value for: body (the file ${JSON.stringify(upload.filename)} is empty: 0 bytes)`,
      )
      return
    }
    try {
      upload.contentType = await recogniseContentType(upload.path, upload.contentType)
    } catch {
      // The spooled file could not be read back: the engine will say so, with the job.
    }
    const job = this.#store.create(principal, upload, params)
    if (!job) {
      sendError(response, 503, 'ServiceUnavailable', 'The server is shutting down')
      return
    }
    entry.jobId = job.id
    if (fault?.type === 'status') {
      sendFaultStatus(response, fault)
      return
    }
    this.#deliver(request, response, { status: 200, body: { jobId: job.id } }, fault)
  }

  #tooLarge(response: ServerResponse): void {
    sendError(
      response,
      413,
      'PayloadTooLarge',
      `The upload exceeds the limit of ${this.#options.maxUploadBytes} bytes`,
      { connection: 'close' },
    )
  }

  #answer(
    route: Exclude<RouteName, 'submit' | 'stream'>,
    principal: Principal,
    jobId: string | undefined,
    query: URLSearchParams,
  ): Answer {
    if (route === 'list') {
      let page: ReturnType<typeof parseListParams>
      try {
        page = parseListParams(query)
      } catch (error) {
        if (error instanceof ValidationError) return { status: 400, text: error.message }
        throw error
      }
      const jobs = this.#store.list(principal.owner, page.organization)
      return {
        status: 200,
        body: {
          totalCount: jobs.length,
          skip: page.skip,
          perPage: page.perPage,
          items: jobs.slice(page.skip, page.skip + page.perPage).map(toJobJson),
        },
      }
    }
    const found = this.#findJob(principal, jobId!)
    if ('status' in found) return found
    if (route === 'cancel') {
      this.#store.cancel(found.job)
      return { status: 200, body: toJobJson(found.job) }
    }
    return { status: isPartial(found.job) ? 206 : 200, body: toJobJson(found.job) }
  }

  #findJob(principal: Principal, jobId: string): { job: JobRecord } | Answer {
    const job = this.#store.get(jobId)
    if (!job) return { status: 404, body: { code: 'NotFound', message: `No job with ID ${jobId}` } }
    if (job.owner !== principal.owner) {
      return { status: 403, body: { code: 'Forbidden', message: `Job ${jobId} belongs to another user` } }
    }
    return { job }
  }

  #deliver(
    request: IncomingMessage,
    response: ServerResponse,
    answer: Answer,
    fault: Fault | undefined,
  ): void {
    if (fault?.type === 'reset') {
      request.socket.destroy()
      return
    }
    if (fault?.type === 'malformedJson' && answer.status < 300) {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(malformedJson)
      return
    }
    if (answer.text !== undefined) sendText(response, answer.status, answer.text)
    else sendJson(response, answer.status, answer.body)
  }

  #stream(response: ServerResponse, principal: Principal, jobId: string, fault: Fault | undefined): void {
    const found = this.#findJob(principal, jobId)
    if ('status' in found) {
      sendJson(response, found.status, found.body)
      return
    }
    const stream = new SseStream(response, {
      pingIntervalMs: this.#options.pingIntervalMs,
      ...(fault?.type === 'dropStream' ? { dropAfterEvents: fault.afterEvents } : {}),
      ...(fault?.type === 'reset' ? { dropAfterEvents: 0 } : {}),
    })
    this.#streams.add(stream)
    const unsubscribe = this.#store.onFinished(found.job, (job) => {
      if (fault?.type === 'malformedJson') {
        stream.sendRaw(`event: result\ndata: ${malformedJson}\n\n`)
      } else if (job.status === 'timeout') {
        stream.send(
          'error',
          JSON.stringify({ code: 'JobTimeout', message: job.errorMessage ?? 'Job timed out' }),
        )
      } else {
        stream.send('result', JSON.stringify(toJobJson(job)))
      }
      stream.end()
    })
    stream.onClose(() => {
      unsubscribe()
      this.#streams.delete(stream)
    })
  }
}

/** Whether a request carries a body (a length above 0, or chunked). */
function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0)
}

interface Answer {
  status: number
  body?: unknown
  text?: string
}

function sendFaultStatus(response: ServerResponse, fault: Extract<FaultAction, { type: 'status' }>): void {
  if (fault.body !== undefined) {
    sendText(response, fault.status, fault.body)
    return
  }
  sendError(
    response,
    fault.status,
    statusCodes[fault.status] ?? 'ServerError',
    `Injected fault: status ${fault.status}`,
  )
}
