/** The client's HTTP: undici on its own Agent, the token added, statuses and transport failures turned into errors. */
import { Agent, type Dispatcher } from 'undici'
import {
  APIError,
  type APIErrorDetails,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  NotFoundError,
  NuMarkdownError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  TimeoutError,
} from '../errors.js'
import type { Logger } from '../types.js'
import { redact } from './logger.js'
import type { Operation } from './operation.js'
import { parseRetryAfter } from './retry.js'

const userAgent = 'numarkdown-js/core'
const hiddenHeaders = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'www-authenticate',
])

export type ResponseHeaders = Record<string, string | string[] | undefined>

function plainHeaders(headers: ResponseHeaders, token: string): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hiddenHeaders.has(name.toLowerCase())) continue
    result[name.toLowerCase()] = redact(Array.isArray(value) ? value.join(', ') : value, token)
  }
  return result
}

/** An answer with an error status, as {@link errorFromResponse} reads it. */
export interface ErrorResponse {
  status: number
  headers: ResponseHeaders
  bodyText: string
  /** Scrubbed from everything the error carries. */
  token: string
  jobId?: string | undefined
}

/** The one place where an HTTP status becomes an error class. */
export function errorFromResponse({ status, headers, bodyText, token, jobId }: ErrorResponse): APIError {
  let code: string | undefined
  let message: string | undefined
  const text = bodyText.trim()
  if (text.startsWith('{')) {
    try {
      const body = JSON.parse(text) as Record<string, unknown>
      if (typeof body.code === 'string') code = body.code
      if (typeof body.message === 'string') message = body.message
      else if (typeof body.error === 'string') message = body.error
    } catch {
      // Not JSON after all: keep the text.
    }
  }
  message ??= text.slice(0, 500)
  const safeMessage = redact(`${status}${message ? ` ${message}` : ''}`, token)
  const plain = plainHeaders(headers, token)
  const details: APIErrorDetails = { status, headers: plain }
  if (code !== undefined) details.code = redact(code, token)
  if (jobId !== undefined) details.jobId = jobId
  const requestId = plain['x-request-id'] ?? plain['request-id']
  if (requestId !== undefined) details.requestId = requestId
  switch (status) {
    case 400:
      return new BadRequestError(safeMessage, details)
    case 401:
      return new AuthenticationError(safeMessage, details)
    case 403:
      return new PermissionDeniedError(safeMessage, details)
    case 404:
      return new NotFoundError(safeMessage, details)
    case 413:
      return new PayloadTooLargeError(safeMessage, details)
    case 429: {
      const retryAfterMs = parseRetryAfter(headers['retry-after'])
      return new RateLimitError(
        safeMessage,
        retryAfterMs === undefined ? details : { ...details, retryAfterMs },
      )
    }
    default:
      return status >= 500 ? new ServerError(safeMessage, details) : new APIError(safeMessage, details)
  }
}

const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])

/** Maps a transport failure (or an abort) to this package's errors; `token` is scrubbed from the message. */
function transportError(
  error: unknown,
  failed: { operation: Operation; token: string; jobId?: string | undefined },
): NuMarkdownError {
  const { operation, token, jobId } = failed
  if (error instanceof NuMarkdownError) return error
  if (operation.aborted) return operation.abortError(jobId)
  const code = (error as { code?: unknown })?.code
  const message = redact(error instanceof Error ? error.message : String(error), token)
  const details = {
    ...(typeof code === 'string' ? { code } : {}),
    ...(jobId === undefined ? {} : { jobId }),
    cause: error,
  }
  if (typeof code === 'string' && timeoutCodes.has(code))
    return new TimeoutError(`Request timed out: ${message}`, details)
  return new ConnectionError(`Connection failed: ${message}`, details)
}

export interface HttpRequest {
  method: 'GET' | 'POST'
  /** Relative to the base URL, e.g. `api/jobs/abc`. */
  path: string
  query?: Record<string, string | number | undefined>
  headers?: Record<string, string>
  body?: AsyncIterable<Uint8Array> | Uint8Array | string
  operation: Operation
  headersTimeoutMs?: number
  /** 0 disables undici's body timeout. */
  bodyTimeoutMs?: number
  jobId?: string
}

export interface HttpResponse {
  status: number
  headers: ResponseHeaders
  body: Dispatcher.ResponseData['body']
}

/** undici on an Agent the client owns (keep-alive); adds the token and maps failures to typed errors. */
export class Http {
  readonly agent: Agent
  readonly #baseUrl: URL
  /** The base URL's origin and path (which ends with a slash), for {@link Http.target}. */
  readonly #origin: string
  readonly #basePath: string
  readonly #token: string
  readonly #logger: Logger
  readonly #requestTimeoutMs: number

  constructor(options: { baseUrl: URL; apiKey: string; logger: Logger; requestTimeoutMs: number }) {
    this.#baseUrl = options.baseUrl
    this.#origin = options.baseUrl.origin
    this.#basePath = options.baseUrl.pathname
    this.#token = options.apiKey
    this.#logger = options.logger
    this.#requestTimeoutMs = options.requestTimeoutMs
    this.agent = new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 })
  }

  /**
   * Where a request for `path` (relative to the base URL) with `query` goes: the origin, and the path and query
   * that resolving `path` against the base URL gives. Put together from strings: a WHATWG URL costs about 0.1 ms
   * to build and fill once the process has been idle a moment, on the way to every upload. A path that is not a
   * plain relative one (dot segments, a leading slash, a character a URL would escape) is resolved by a URL.
   */
  target(
    path: string,
    query?: Record<string, string | number | undefined>,
  ): { origin: string; path: string; pathname: string } {
    if (/(^|\/)\.\.?(\/|$)/.test(path) || !/^[\w\-.~!$&'()*+,;=:@%][\w\-.~!$&'()*+,;=:@%/]*$/.test(path)) {
      const url = new URL(path, this.#baseUrl)
      for (const [name, value] of Object.entries(query ?? {})) {
        if (value !== undefined) url.searchParams.set(name, String(value))
      }
      return { origin: url.origin, path: url.pathname + url.search, pathname: url.pathname }
    }
    const pathname = this.#basePath + path
    let search = ''
    if (query !== undefined) {
      const params = new URLSearchParams()
      for (const [name, value] of Object.entries(query)) {
        if (value !== undefined) params.append(name, String(value))
      }
      const text = params.toString()
      if (text !== '') search = `?${text}`
    }
    return { origin: this.#origin, path: pathname + search, pathname }
  }

  /** Sends a request; resolves with any status. Transport failures become ConnectionError/TimeoutError/abort errors. */
  async send(spec: HttpRequest): Promise<HttpResponse> {
    spec.operation.throwIfAborted(spec.jobId)
    const target = this.target(spec.path, spec.query)
    const started = Date.now()
    try {
      const response = await this.agent.request({
        origin: target.origin,
        path: target.path,
        method: spec.method,
        headers: { 'user-agent': userAgent, ...spec.headers, authorization: `Bearer ${this.#token}` },
        // undici streams an async iterable body as it is pulled (its types only name Readable).
        body: (spec.body ?? null) as Uint8Array | string | null,
        // The operation itself, as an EventEmitter-shaped signal: no AbortSignal per request.
        signal: spec.operation as unknown as NonNullable<Dispatcher.RequestOptions['signal']>,
        headersTimeout: spec.headersTimeoutMs ?? this.#requestTimeoutMs,
        bodyTimeout: spec.bodyTimeoutMs ?? this.#requestTimeoutMs,
      })
      this.#logger.debug(`numarkdown ${spec.method} ${target.pathname} ${response.statusCode}`, {
        method: spec.method,
        path: target.pathname,
        status: response.statusCode,
        durationMs: Date.now() - started,
      })
      return { status: response.statusCode, headers: response.headers, body: response.body }
    } catch (error) {
      const mapped = transportError(error, {
        operation: spec.operation,
        token: this.#token,
        jobId: spec.jobId,
      })
      this.#logger.debug(
        `numarkdown ${spec.method} ${target.pathname} failed: ${mapped.code ?? mapped.name}`,
        {
          method: spec.method,
          path: target.pathname,
          code: mapped.code,
          durationMs: Date.now() - started,
        },
      )
      throw mapped
    }
  }

  /** Reads the whole body as text; transport failures while reading are mapped too. */
  async text(response: HttpResponse, operation: Operation, jobId?: string): Promise<string> {
    try {
      return await response.body.text()
    } catch (error) {
      throw transportError(error, { operation, token: this.#token, jobId })
    }
  }

  /** The APIError for a non-2xx response (its body is consumed). */
  async error(response: HttpResponse, operation: Operation, jobId?: string): Promise<APIError> {
    const text = await this.text(response, operation, jobId).catch(() => '')
    return errorFromResponse({
      status: response.status,
      headers: response.headers,
      bodyText: text,
      token: this.#token,
      jobId,
    })
  }

  /** Sends and parses a JSON answer; throws the matching APIError for an error status. */
  async json<T>(spec: HttpRequest): Promise<{ status: number; headers: ResponseHeaders; body: T }> {
    const response = await this.send({
      ...spec,
      headers: { accept: 'application/json, text/plain', ...spec.headers },
    })
    if (response.status < 200 || response.status >= 300)
      throw await this.error(response, spec.operation, spec.jobId)
    const text = await this.text(response, spec.operation, spec.jobId)
    try {
      return { status: response.status, headers: response.headers, body: JSON.parse(text) as T }
    } catch {
      // No cause: a JSON SyntaxError quotes the body, which a misbehaving server could fill with anything.
      throw new ConnectionError(`The server answered ${response.status} with a body that is not JSON`, {
        code: 'invalid_response',
        ...(spec.jobId === undefined ? {} : { jobId: spec.jobId }),
      })
    }
  }

  redact(text: string): string {
    return redact(text, this.#token)
  }

  async close(): Promise<void> {
    await this.agent.close()
  }
}
