/**
 * `startServer()` and `createServer()`: options resolved and checked in one place, the job store chosen (in this
 * process, or Redis in cluster mode), the Node server bounded against slow or silent clients (headers, idle time,
 * upload rate), and a shutdown that cleans up everything.
 */
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { checkKnownOptions, checkNumberRange, optionKeys, ValidationError } from '@numarkdown/protocol'
import { Api } from './internal/api.js'
import { TokenVerifier } from './internal/auth.js'
import { checkEngine } from './internal/check-engine.js'
import { validateFaultPlan } from './internal/faults/fault-injector.js'
import { faultLayer } from './internal/faults/fault-layer.js'
import { InProcessJobs } from './internal/in-process-jobs.js'
import type { Jobs } from './internal/jobs.js'
import { MemoryBudget } from './internal/memory-budget.js'
import { type ClusterSettings, resolveClusterSettings } from './internal/redis/cluster-settings.js'
import type { Engine, RequestLogEntry, ServerOptions, ServerToken } from './types.js'

const serverOptionKeys = optionKeys<ServerOptions>({
  engine: true,
  tokens: true,
  maxUploadBytes: true,
  memoryUploadBytes: true,
  concurrency: true,
  pingIntervalMs: true,
  jobTtlMs: true,
  faults: true,
  spoolDirectory: true,
  headersTimeoutMs: true,
  idleTimeoutMs: true,
  minUploadBytesPerSecond: true,
  uploadRateWindowMs: true,
  host: true,
  port: true,
  redis: true,
  role: true,
  ownerSecret: true,
  redisPrefix: true,
  workerLockMs: true,
})
const tokenKeys = optionKeys<ServerToken>({ token: true, owner: true, organization: true })

/** A server started by {@link startServer}. */
export interface RunningServer {
  /** The base URL, e.g. `http://127.0.0.1:43117` (no trailing slash). */
  readonly url: string
  readonly port: number
  readonly host: string
  /** The underlying Node server. */
  readonly server: Server
  /**
   * Every request received so far, in arrival order (the latest 100 000 on a long-running server). An entry's
   * `status` and `durationMs` are filled in when its response ends (for an SSE stream, when the stream ends).
   */
  readonly requests: RequestLogEntry[]
  /**
   * Stop listening, end open SSE streams, abort running jobs, remove spooled files and close the engine.
   * Resolves once every connection is closed. Safe to call more than once.
   */
  close(): Promise<void>
}

interface Internals {
  api: Api
  shutdown: () => Promise<void>
}

const internals = new WeakMap<Server, Internals>()

/**
 * Create a Node `http.Server` speaking the NuMarkdown API, for embedding; call `listen()` yourself.
 * Its `close()` also ends open SSE streams, aborts running jobs, removes spooled files and closes the engine.
 *
 * @example
 * ```ts
 * const server = createServer({ tokens: ['secret'], engine: localEngine() })
 * server.listen(8080, '127.0.0.1')
 * ```
 */
export function createServer(options: ServerOptions): Server {
  const settings = resolveOptions(options, 'createServer')
  if (settings.cluster) {
    throw new ValidationError(
      'createServer options: redis (cluster mode) connects to Redis before serving: use startServer instead',
      { parameter: 'redis' },
    )
  }
  return create(settings, { ...inProcessJobs(settings), tokens: new TokenVerifier(options.tokens) })
}

/** What the API is built on: the job store, the tokens, and (in one process) uploads held in memory. */
interface Parts {
  jobs: Jobs
  tokens: TokenVerifier
  memory?: { bytes: number; budget: MemoryBudget }
}

/** Uploads held in memory at once take at most this many times `memoryUploadBytes` (64 MiB by default). */
const memoryBudgetUploads = 64

function inProcessJobs(settings: Settings): Omit<Parts, 'tokens'> {
  // Every store in this process has an engine: only an API replica of a cluster (Redis) has none.
  const engine = settings.engine!
  const memory =
    engine.readsBytes === true && settings.memoryUploadBytes > 0
      ? {
          bytes: settings.memoryUploadBytes,
          budget: new MemoryBudget(memoryBudgetUploads * settings.memoryUploadBytes),
        }
      : undefined
  const jobs = new InProcessJobs({
    engine,
    concurrency: settings.concurrency,
    jobTtlMs: settings.jobTtlMs,
    ...(memory ? { memoryBudget: memory.budget } : {}),
  })
  return memory ? { jobs, memory } : { jobs }
}

function create(settings: Settings, parts: Parts): Server {
  const {
    headersTimeoutMs,
    idleTimeoutMs,
    maxUploadBytes,
    pingIntervalMs,
    spoolDirectory,
    uploadRate,
    layer,
  } = settings
  const api = new Api({
    jobs: parts.jobs,
    tokens: parts.tokens,
    maxUploadBytes,
    pingIntervalMs,
    spoolDirectory,
    uploadRate,
    ...(parts.memory ? { memory: parts.memory } : {}),
    ...(layer ? { layer } : {}),
  })
  const server = createHttpServer(
    {
      headersTimeout: headersTimeoutMs,
      // Node checks the headers timeout on this interval; the default (30 s) would let it run late by as much.
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(headersTimeoutMs / 4))),
      // A body is bounded by a minimum rate (see the API), not a fixed total that a slow 1 GiB upload would miss.
      requestTimeout: 0,
    },
    api.listener,
  )
  // Answer `Expect: 100-continue` requests ourselves: the body is invited only once auth, faults, the query and
  // the declared length have passed, so a rejected 1 GiB upload is never sent.
  server.on('checkContinue', api.listener)
  server.timeout = idleTimeoutMs
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // Headers too slow (headersTimeoutMs) or too large (Node's 16 KiB), or a request Node cannot parse.
    const status =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request'
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
    socket.destroy()
  })
  const originalClose = server.close.bind(server)
  let closing: Promise<void> | undefined
  const shutdown = (): Promise<void> => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => {
        if (!server.listening) resolve()
        else originalClose(() => resolve())
      })
      server.closeIdleConnections()
      await api.close()
      server.closeAllConnections()
      await closed
    })()
    return closing
  }
  server.close = ((callback?: (error?: Error) => void) => {
    shutdown().then(
      () => callback?.(),
      (error: Error) => callback?.(error),
    )
    return server
  }) as Server['close']
  internals.set(server, { api, shutdown })
  return server
}

/**
 * Start a server speaking the NuMarkdown API on `host:port` (a free port on 127.0.0.1 by default).
 *
 * @example
 * ```ts
 * import { startServer, scriptedEngine } from '@numarkdown/server'
 *
 * const server = await startServer({ tokens: ['secret'], engine: scriptedEngine() })
 * console.log(server.url) // http://127.0.0.1:43117
 * await server.close()
 * ```
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const settings = resolveOptions(options, 'startServer')
  let parts: Parts
  if (settings.cluster) {
    // Every upload is spooled to the shared folder: its job may run on a worker in another process. The Redis
    // client and the queue load here, so that a server without `redis` never loads them.
    const { openClusterJobs } = await import('./internal/redis/open-cluster-jobs.js')
    const { jobs, ownerKey } = await openClusterJobs(settings.cluster, {
      engine: settings.engine,
      concurrency: settings.concurrency,
      jobTtlMs: settings.jobTtlMs,
      spoolDirectory: settings.spoolDirectory,
    })
    parts = { jobs, tokens: new TokenVerifier(options.tokens, ownerKey) }
  } else {
    parts = { ...inProcessJobs(settings), tokens: new TokenVerifier(options.tokens) }
  }
  const server = create(settings, parts)
  const { api, shutdown } = internals.get(server)!
  const host = options.host ?? '127.0.0.1'
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    await shutdown()
    throw error
  }
  const port = (server.address() as AddressInfo).port
  const urlHost = host.includes(':') ? `[${host}]` : host
  return { url: `http://${urlHost}:${port}`, port, host, server, requests: api.requests, close: shutdown }
}

/** The options with every default resolved; the job store and the token verifier come after. */
interface Settings extends Omit<ConstructorParameters<typeof Api>[0], 'jobs' | 'tokens' | 'memory'> {
  engine: Engine | undefined
  memoryUploadBytes: number
  concurrency: number
  jobTtlMs: number
  headersTimeoutMs: number
  idleTimeoutMs: number
  /** Set in cluster mode. */
  cluster?: ClusterSettings
}

function resolveOptions(options: ServerOptions, where: string): Settings {
  if (options === null || typeof options !== 'object') {
    throw new ValidationError(`options must be an object, got ${String(options)}`, { parameter: 'options' })
  }
  checkKnownOptions(options, serverOptionKeys, `${where} options`)
  if (!Array.isArray(options.tokens)) {
    throw new ValidationError(`options.tokens must be an array, got ${typeof options.tokens}`, {
      parameter: 'tokens',
    })
  }
  for (const [index, token] of options.tokens.entries()) {
    if (typeof token === 'object' && token !== null)
      checkKnownOptions(token, tokenKeys, `options.tokens[${index}]`)
    const value = typeof token === 'string' ? token : token?.token
    if (typeof value !== 'string' || value === '' || /\s/.test(value)) {
      throw new ValidationError(`options.tokens[${index}] must be a non-empty token without spaces`, {
        parameter: `tokens[${index}]`,
      })
    }
    if (typeof token !== 'string' && (typeof token.owner !== 'string' || token.owner === '')) {
      throw new ValidationError(
        `options.tokens[${index}].owner must be a non-empty string, got ${String(token.owner)}`,
        { parameter: `tokens[${index}].owner` },
      )
    }
  }
  const positive = { min: 1, integer: true, where: `${where} options` }
  const maxUploadBytes = checkNumberRange('maxUploadBytes', options.maxUploadBytes ?? 1024 ** 3, positive)
  const memoryUploadBytes = checkNumberRange('memoryUploadBytes', options.memoryUploadBytes ?? 1024 ** 2, {
    ...positive,
    min: 0,
  })
  const concurrency = checkNumberRange('concurrency', options.concurrency ?? 4, positive)
  const pingIntervalMs = checkNumberRange('pingIntervalMs', options.pingIntervalMs ?? 30_000, positive)
  const jobTtlMs = checkNumberRange('jobTtlMs', options.jobTtlMs ?? 3_600_000, positive)
  const headersTimeoutMs = checkNumberRange('headersTimeoutMs', options.headersTimeoutMs ?? 30_000, positive)
  const idleTimeoutMs = checkNumberRange('idleTimeoutMs', options.idleTimeoutMs ?? 60_000, positive)
  const minBytesPerSecond = checkNumberRange(
    'minUploadBytesPerSecond',
    options.minUploadBytesPerSecond ?? 4096,
    positive,
  )
  const windowMs = checkNumberRange('uploadRateWindowMs', options.uploadRateWindowMs ?? 30_000, positive)
  if (
    options.port !== undefined &&
    !(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535)
  ) {
    throw new ValidationError(`options.port must be an integer within 0..65535, got ${options.port}`, {
      parameter: 'port',
    })
  }
  if (options.faults) validateFaultPlan(options.faults)
  const cluster = resolveClusterSettings(options, `${where} options`)
  if (cluster?.role === 'api') {
    if (options.engine !== undefined) {
      throw new ValidationError(
        "options.engine is not used with role 'api': engines run on workers (startWorker) or on servers of role 'both'",
        { parameter: 'engine' },
      )
    }
  } else {
    checkEngine(options.engine, `${where} options`)
  }
  return {
    engine: cluster?.role === 'api' ? undefined : options.engine,
    maxUploadBytes,
    memoryUploadBytes,
    concurrency,
    pingIntervalMs,
    jobTtlMs,
    spoolDirectory: options.spoolDirectory ?? tmpdir(),
    uploadRate: { minBytesPerSecond, windowMs },
    headersTimeoutMs,
    idleTimeoutMs,
    ...(options.faults ? { layer: faultLayer(options.faults) } : {}),
    ...(cluster ? { cluster } : {}),
  }
}
