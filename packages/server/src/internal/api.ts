/**
 * The API of `API.md` as a Node request listener: the request log, what every request passes before its route
 * (routing, the bearer token, the shutdown check; a connection with an unread body is closed after its answer),
 * the writing of the routes' answers and SSE streams, and an orderly shutdown. A layer given in the options (the
 * fault plan of tests) may wrap the routes.
 */
import { setMaxListeners } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestLogEntry } from '../types.js'
import { type Answer, apiError, sendAnswer } from './answer.js'
import type { TokenVerifier } from './auth.js'
import type { Jobs } from './jobs.js'
import { lingerOnClose } from './lingering-close.js'
import type { MemoryBudget } from './memory-budget.js'
import type { RouteLayer, Routes } from './route-call.js'
import { matchRoute } from './router.js'
import { ApiRoutes } from './routes.js'
import { SseStream } from './sse.js'
import type { TransferRate } from './transfer-rate.js'

/** Options of the request handler, with every default resolved. */
export interface ApiOptions {
  /** The job store: in this process, or shared through Redis. The API closes it. */
  jobs: Jobs
  tokens: TokenVerifier
  maxUploadBytes: number
  pingIntervalMs: number
  spoolDirectory: string
  /** Uploads up to `bytes` stay in memory, within `budget`; absent, every upload is spooled. */
  memory?: { bytes: number; budget: MemoryBudget }
  /** The slowest body an upload may send. */
  uploadRate: TransferRate
  /** Wraps the routes: the fault plan of tests. */
  layer?: RouteLayer
}

/** The request log keeps this many recent entries, so that a long-running server stays bounded. */
const maxLogEntries = 100_000

/** The API of `API.md` as a Node request listener, plus the request log and an orderly shutdown. */
export class Api {
  readonly requests: RequestLogEntry[] = []
  readonly #options: ApiOptions
  readonly #store: Jobs
  readonly #streams = new Set<SseStream>()
  readonly #shutdown = new AbortController()
  readonly #routes: Routes

  constructor(options: ApiOptions) {
    this.#options = options
    // Every upload in progress listens for shutdown (and removes its listener when done): hundreds at once is
    // normal load here, not a leak, so Node's warning past 10 listeners is turned off for this signal.
    setMaxListeners(0, this.#shutdown.signal)
    this.#store = options.jobs
    const { serve } = new ApiRoutes({
      store: this.#store,
      maxUploadBytes: options.maxUploadBytes,
      spoolDirectory: options.spoolDirectory,
      uploadRate: options.uploadRate,
      ...(options.memory ? { memory: options.memory } : {}),
    })
    this.#routes = options.layer ? options.layer(serve) : serve
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

  /** End open streams, abort uploads, and close the job store (which stops this node's jobs and its engine). */
  async close(): Promise<void> {
    this.#shutdown.abort()
    for (const stream of this.#streams) stream.end()
    this.#streams.clear()
    await this.#store.close()
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

  #send(response: ServerResponse, answer: Answer): void {
    if (answer.kind !== 'events') {
      sendAnswer(response, answer)
      return
    }
    const stream = new SseStream(response, { pingIntervalMs: this.#options.pingIntervalMs })
    this.#streams.add(stream)
    const stop = answer.follow(stream)
    stream.flush()
    stream.onClose(() => {
      stop()
      this.#streams.delete(stream)
    })
  }
}

/** Whether a request carries a body (a length above 0, or chunked). */
function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0)
}
