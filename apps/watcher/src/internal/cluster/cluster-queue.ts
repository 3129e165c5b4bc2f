/**
 * The conversion queue of a cluster, on BullMQ: instances put the documents they find on it (one queue job
 * per document identity, so a document found by every instance is still one job), and each instance's
 * worker takes jobs from it, up to `--concurrency` at once. A job whose instance stops renewing its lock
 * (killed, cut off) goes back to the queue after `--queue-lock-ms` for another instance to resume. A 429 from
 * the service pauses the whole queue for as long as the service asked.
 */
import { hostname } from 'node:os'
import { type Job, Queue, Worker } from 'bullmq'
import { redactUrl } from '../../options.js'
import type { Display } from '../../types.js'
import { type QueuedDocument, queueJobId } from './queued-document.js'
import { connectionOptions } from './redis-connection.js'

export interface ClusterQueueSettings {
  /** The Redis URL (`--queue`). */
  url: string
  /** The Redis key prefix (`--queue-prefix`). */
  prefix: string
  /** Of the options that shape an output: instances with other output options use another queue. */
  fingerprint: string
  /** Jobs this instance converts at once. */
  concurrency: number
  /** `--queue-lock-ms` */
  lockMs: number
  display: Display
}

/** What a worker does with a job; it settles the job itself (see `QueuedConversions`). */
export type JobProcessor = (job: Job<QueuedDocument>, token: string) => Promise<unknown>

/** States in which a queue job is still to be converted or being converted. */
const unfinishedStates = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'])

/** Connection trouble is told once per this interval, not for every retry. */
const errorLogIntervalMs = 10_000

/**
 * A worker's own job limit, set far beyond any real rate: BullMQ honours a queue-wide rate limit (the pause
 * after a 429) only in workers that have a limiter.
 */
const noLimit = { max: 1_000_000_000, duration: 1000 }

export class ClusterQueue {
  readonly #settings: ClusterQueueSettings
  readonly #queue: Queue<QueuedDocument, unknown, string, QueuedDocument, unknown, string>
  #worker: Worker<QueuedDocument> | undefined
  #workerClosing: Promise<void> | undefined
  #lastErrorLoggedAt = 0

  constructor(settings: ClusterQueueSettings) {
    this.#settings = settings
    this.#queue = new Queue<QueuedDocument, unknown, string, QueuedDocument, unknown, string>(this.name, {
      connection: { url: settings.url, ...connectionOptions() },
      prefix: settings.prefix,
    })
    this.#queue.on('error', (error) => this.#connectionTrouble(error))
  }

  /** One queue per set of output options: a worker never converts with options other than the finder's. */
  get name(): string {
    return `convert-${this.#settings.fingerprint}`
  }

  async ready(): Promise<void> {
    await this.#queue.waitUntilReady()
  }

  /** Start taking jobs, `concurrency` at once. */
  start(processor: JobProcessor): void {
    const settings = this.#settings
    this.#worker = new Worker<QueuedDocument>(this.name, (job, token) => processor(job, token ?? ''), {
      connection: { url: settings.url, ...connectionOptions() },
      prefix: settings.prefix,
      name: `${hostname()}:${process.pid}`,
      concurrency: settings.concurrency,
      lockDuration: settings.lockMs,
      stalledInterval: settings.lockMs,
      // A job is never given up because instances died under it: the next one resumes its NuMind job.
      maxStalledCount: 1_000_000,
      limiter: noLimit,
    })
    this.#worker.on('error', (error) => this.#connectionTrouble(error))
  }

  /** Put a document on the queue; a document already there (found by another instance) stays one job. */
  async dispatch(document: QueuedDocument): Promise<void> {
    await this.#queue.add('convert', document, {
      jobId: queueJobId(document),
      // The journal says what is done; a finished job is not kept, so that a document whose journal record
      // was removed (its source deleted with --delete-outputs, then dropped again) is queued anew.
      removeOnComplete: true,
      removeOnFail: true,
    })
  }

  /** Whether the queue still holds this document's job, to convert or being converted. */
  async holds(document: Pick<QueuedDocument, 'sha256' | 'fingerprint' | 'path'>): Promise<boolean> {
    return unfinishedStates.has(await this.#queue.getJobState(queueJobId(document)))
  }

  /**
   * Pause the whole cluster for `ms`: no instance takes a job until then. A longer pause in force is kept.
   */
  async rateLimit(ms: number): Promise<void> {
    const remaining = await this.#queue.getRateLimitTtl(noLimit.max)
    if (remaining < ms) await this.#queue.rateLimit(Math.max(1, Math.ceil(ms)))
  }

  /** Jobs the cluster still has to convert or is converting. */
  async unfinished(): Promise<number> {
    const counts = await this.#queue.getJobCounts(
      'waiting',
      'active',
      'delayed',
      'prioritized',
      'waiting-children',
    )
    return Object.values(counts).reduce((sum, count) => sum + count, 0)
  }

  /**
   * Take no more jobs; resolves once the jobs this instance is converting have ended (their processors
   * return or hand them back).
   */
  stopTaking(): Promise<void> {
    this.#workerClosing ??= this.#worker ? this.#worker.close() : Promise.resolve()
    return this.#workerClosing
  }

  async close(): Promise<void> {
    await this.stopTaking().catch(() => {})
    await this.#queue.close().catch(() => {})
  }

  #connectionTrouble(error: Error): void {
    const now = Date.now()
    if (now - this.#lastErrorLoggedAt < errorLogIntervalMs) return
    this.#lastErrorLoggedAt = now
    this.#settings.display.log('warn', 'trouble with the queue; retrying', {
      queue: redactUrl(this.#settings.url),
      error: error.message,
    })
  }
}
