/**
 * The public types of @numarkdown/server: the engine interface, the server options and the
 * fault-injection plan. Engines (scripted, local, openai-compatible) implement {@link Engine}.
 */
import type { SubmitParams } from '@numarkdown/protocol'

/**
 * A document the server has received: spooled to a temporary file (`path`), or, for a small upload given to an
 * engine that {@link Engine.readsBytes | reads bytes}, held in memory (`bytes`). Exactly one of the two is set.
 */
export interface EngineDocument {
  /**
   * Absolute path of the spooled upload; the server deletes it once the job ends. Always set for an engine
   * without {@link Engine.readsBytes}.
   */
  path?: string
  /**
   * The whole upload, when it was small enough to stay in memory and the engine {@link Engine.readsBytes | reads
   * bytes}; `path` is then absent. The server lets go of it once the job ends.
   */
  bytes?: Uint8Array
  /** The filename the client sent in the multipart part (sanitised: no folders). */
  filename: string
  /** The content type the client sent, or one derived from the filename. */
  contentType: string
  /** Size in bytes. */
  size: number
  /**
   * SHA-256 of the bytes (hex), computed by the server: for a small upload, right after the engine's call has
   * started, or on its first read if that comes sooner (the value is the same whenever it is read).
   */
  sha256?: string
}

/** Conversion parameters as validated from the query string of `infer-async` (the contract's `SubmitParams`). */
export type EngineParams = SubmitParams

/** What an engine produces for one document. */
export interface EngineOutput {
  /** The markdown; empty when the engine could not produce an answer. */
  result: string
  /** The reasoning trace; empty when there is none. */
  reasoning: string
  /** The raw model output; the server stores it as `rawResponse` whenever `result` or `reasoning` is empty. */
  rawResponse?: string
  /** Token counts when the engine knows them. */
  usage?: { inputTokens?: number; outputTokens?: number; totalTokens?: number }
  /** Pages in the document, when known. */
  pageCount?: number
  /** What the reader of the result should know (pages left blank or unreadable, an empty result); sent as `warnings`. */
  warnings?: string[]
}

/** An engine turns one spooled document into markdown. */
export interface Engine {
  /** A short name for logs and the CLI (`scripted`, `local`, `openai`). */
  readonly name: string
  /**
   * Set when `convert()` reads `document.bytes` whenever it is present: the server then hands small uploads (below
   * {@link ServerOptions.memoryUploadBytes}) over in memory instead of writing each to a temporary file and the
   * engine reading it back. Without it, every document comes with a `path`.
   */
  readonly readsBytes?: boolean
  /**
   * Convert one document. `signal` aborts when the job is cancelled or outlives its timeout; an engine
   * stops work promptly then. Throw an {@link EngineError} to fail the job with a code and message.
   */
  convert(document: EngineDocument, params: EngineParams, signal: AbortSignal): Promise<EngineOutput>
  /** Release workers and other resources; called by `close()` of the server that owns the engine. */
  close?(): Promise<void>
}

/** A route the fault plan can target. */
export type FaultRoute = 'submit' | 'getJob' | 'stream' | 'list' | 'cancel' | '*'

/** One fault to inject. */
export type FaultAction =
  /**
   * Answer with this status instead of serving the route. 404, 405 and 501 imitate an older server that lacks
   * a route (no `/stream`, no `/cancel`); on submit, 502 and 504 come after the job was created; 401 and 403
   * imitate a token revoked or a quota exhausted mid-way.
   */
  | { type: 'status'; status: 401 | 403 | 404 | 405 | 408 | 500 | 501 | 502 | 503 | 504; body?: string }
  | { type: 'rateLimit'; retryAfterSeconds: number }
  | { type: 'delay'; ms: number }
  /** Destroy the socket; `before` the request body is read, or `after` it was read (and, for submit, the job created). */
  | { type: 'reset'; when: 'before' | 'after' }
  /** SSE only: end the stream abruptly after `afterEvents` events were written. */
  | { type: 'dropStream'; afterEvents: number }
  /** Answer 200 with a body that is not valid JSON. */
  | { type: 'malformedJson' }

/** A rule of the fault plan: which route, which fault, how often. */
export interface FaultRule {
  route: FaultRoute
  fault: FaultAction
  /** Apply to the first `count` matching requests (after `skip`). */
  count?: number
  /** Skip this many matching requests before the rule applies. @default 0 */
  skip?: number
  /** Apply with this probability (0..1), drawn from the plan's seeded generator. */
  probability?: number
}

/** Seeded fault injection: same seed, same faults. */
export interface FaultPlan {
  /** @default 1 */
  seed?: number
  rules: FaultRule[]
}

/** One entry of the request log. */
export interface RequestLogEntry {
  method: string
  /** The path without the query string. */
  path: string
  /** The route the request matched, or `unknown`. */
  route: FaultRoute | 'unknown'
  /** The status sent, or 0 when the connection was reset before a status went out. */
  status: number
  /** The job ID the request created or concerned, when there is one. */
  jobId?: string
  /** The owner the token belongs to, when authenticated. */
  owner?: string
  /** The fault applied, if any. */
  fault?: FaultAction['type']
  startedAt: number
  durationMs: number
}

/** A bearer token the server accepts and the owner it acts for. */
export interface ServerToken {
  token: string
  owner: string
  organization?: string
}

/** Options of {@link startServer} and {@link createServer}. */
export interface ServerOptions {
  /**
   * The engine that converts documents: `localEngine()` (offline, the `numarkdown-server` command's default), `openaiEngine({ baseUrl, model })` (a vision model) or `scriptedEngine()` (deterministic, for tests). Required, except on an API replica of a cluster
   * (`role: 'api'`), which runs none.
   */
  engine?: Engine
  /**
   * Accepted bearer tokens. A plain string is owned by a user whose name is derived from it (a keyed hash,
   * `user-…`): a token never shows as an owner in job objects or logs. Name owners with `{ token, owner }`.
   * Empty means every request is 401.
   */
  tokens: Array<ServerToken | string>
  /** Uploads larger than this get 413. @default 1 GiB */
  maxUploadBytes?: number
  /**
   * Uploads up to this size stay in memory and reach an engine that {@link Engine.readsBytes | reads bytes} as
   * `document.bytes`; larger ones (and every upload once 64 times this much is held in memory at once) are
   * spooled to `spoolDirectory`. 0 spools every upload. In cluster mode every upload is spooled, since another
   * process may run its job. @default 1 MiB
   */
  memoryUploadBytes?: number
  /** Jobs converting at once; the others wait as `pending`. @default 4 */
  concurrency?: number
  /** Interval of SSE `ping` events. @default 30000 */
  pingIntervalMs?: number
  /** Finished jobs are forgotten this long after completion. @default 3600000 */
  jobTtlMs?: number
  /** Fault injection for tests. */
  faults?: FaultPlan
  /** Where uploads are spooled. @default os.tmpdir() */
  spoolDirectory?: string
  /** A client must send its request line and headers within this time, or gets 408. @default 30000 */
  headersTimeoutMs?: number
  /**
   * A connection on which nothing is received or sent for this long is closed (SSE streams excepted: their pings
   * keep them open). @default 60000
   */
  idleTimeoutMs?: number
  /**
   * The slowest upload accepted: a body that sends fewer bytes per second than this, over any window of
   * `uploadRateWindowMs`, is cut off with 408 and its spool file removed. There is no fixed total time, so a
   * 1 GiB upload on a slow link passes. @default 4096
   */
  minUploadBytesPerSecond?: number
  /** The window over which `minUploadBytesPerSecond` is measured. @default 30000 */
  uploadRateWindowMs?: number
  /** @default '127.0.0.1' */
  host?: string
  /** @default 0 (a free port) */
  port?: number
  /**
   * Cluster mode: a Redis URL (`redis://[user:password@]host:port[/db]`, or `rediss://`). The job store and the
   * engine queue move to Redis, so that several servers (API replicas) and engine workers ({@link startWorker})
   * share the jobs: a job submitted to one replica is read, streamed and cancelled through any other, and jobs
   * survive a restart of any node. Uploads must then go to a folder every node can read (`spoolDirectory`).
   * Only {@link startServer} takes it. Without it, jobs live in this process.
   */
  redis?: string
  /**
   * Cluster mode: `'both'` serves the API and runs jobs through `engine`; `'api'` serves the API only, and jobs
   * run on workers started with {@link startWorker} (or other servers of role `'both'`). @default 'both'
   */
  role?: 'api' | 'both'
  /**
   * Cluster mode: the secret that derives the owner names of plain-string tokens, the same on every node.
   * @default a random secret created once in Redis and shared by every node
   */
  ownerSecret?: string
  /** Cluster mode: the prefix of every Redis key, so that several clusters can share one Redis. @default 'numarkdown' */
  redisPrefix?: string
  /**
   * Cluster mode, role `'both'`: how long a worker's claim on a running job lasts without renewal. A job whose
   * worker died is taken by another worker after this (once; the second time it fails). @default 30000
   */
  workerLockMs?: number
}

/** Options of {@link startWorker}: an engine worker of a cluster (see {@link ServerOptions.redis}). */
export interface WorkerOptions {
  /** The cluster's Redis URL, as given to its servers. */
  redis: string
  /** The engine that converts documents: `localEngine()` (offline, the `numarkdown-server` command's default), `openaiEngine({ baseUrl, model })` (a vision model) or `scriptedEngine()` (deterministic, for tests). */
  engine: Engine
  /** Jobs converting at once on this worker. @default 4 */
  concurrency?: number
  /** The upload folder the cluster's servers spool to, as this machine sees it. @default os.tmpdir() */
  spoolDirectory?: string
  /** As given to the cluster's servers. @default 'numarkdown' */
  redisPrefix?: string
  /** How long this worker's claim on a running job lasts without renewal. @default 30000 */
  workerLockMs?: number
}
