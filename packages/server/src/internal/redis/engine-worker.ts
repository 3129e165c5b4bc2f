/**
 * An engine worker of a cluster: takes jobs from the engine queue (BullMQ) and runs them through its engine, at most
 * `concurrency` at once. BullMQ's lock on a job, renewed while the engine works, means one worker runs a job at a
 * time; a job whose worker died comes back to the queue once its lock expires (and fails with a clear reason when
 * that happens again). Timeouts count from a deadline kept in the record, so they hold across workers; a job
 * settled elsewhere (cancelled through any replica) has its engine call aborted here. A worker that stops hands its
 * running jobs back to the queue instead of failing them.
 */
import { randomUUID } from 'node:crypto'
import { access } from 'node:fs/promises'
import { isTerminal, type JobStatus } from '@numarkdown/protocol'
import { type Job, WaitingError, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Engine, EngineOutput } from '../../types.js'
import { type ClusterConnection, engineJobOptions } from './cluster-connection.js'
import { engineQueueName } from './job-keys.js'
import { outcomeFields, readWorkOrder, removeUpload, type WorkOrder } from './job-record.js'
import { finishJob, handBack, releaseAttempt, startAttempt } from './job-scripts.js'
import { closeRedis, connectRedis } from './redis-connection.js'

export interface EngineWorkerOptions {
  cluster: ClusterConnection
  engine: Engine
  /** Jobs converting at once on this worker. */
  concurrency: number
  /** The upload folder, shared by every node. */
  spoolDirectory: string
  /** How long a worker's claim on a job lasts without renewal: a dead worker's job is taken again after this. */
  workerLockMs: number
  /** On close, how long to wait for engine calls to return before handing their jobs back anyway. @default 10000 */
  engineStopGraceMs?: number
}

/** How many times a job may lose its worker and be taken again before it fails. */
const maxStalledCount = 1

/** How a job ended on this worker. */
type Outcome =
  | { status: 'completed'; output: EngineOutput }
  | { status: 'failed' | 'timeout'; errorCode: string; errorMessage: string }

/** One engine call in progress. */
interface Attempt {
  readonly id: string
  readonly token: string
  readonly controller: AbortController
  /** Set when the job was settled elsewhere, the claim was lost, or this worker is stopping. */
  stopReason?: 'settled' | 'lost' | 'stopping'
  /** The outcome once the job ran past its deadline. */
  timedOut?: Outcome
  timer?: NodeJS.Timeout
  /** Resolves when the grace given to a stopping engine call runs out. */
  readonly graceOver: Promise<void>
  endGrace(): void
}

export class EngineWorker {
  readonly #options: EngineWorkerOptions
  readonly #cluster: ClusterConnection
  readonly #connection: Redis
  readonly #worker: Worker
  readonly #attempts = new Map<string, Attempt>()
  readonly #sweep: NodeJS.Timeout
  #closing: Promise<void> | undefined

  // biome-ignore lint/style/useConsistentMemberAccessibility: a constructor has no `#` form; instances come from the static factory
  private constructor(options: EngineWorkerOptions, connection: Redis) {
    this.#options = options
    this.#cluster = options.cluster
    this.#connection = connection
    const lockMs = options.workerLockMs
    this.#worker = new Worker(engineQueueName, (job, token) => this.#process(job, token), {
      connection,
      prefix: options.cluster.keys.queuePrefix,
      concurrency: options.concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount,
    })
    this.#worker.on('error', () => {
      // Connection errors: the connection comes back by itself, and BullMQ retries what failed.
    })
    this.#worker.on('lockRenewalFailed', (ids) => {
      // Another worker may take these jobs now: this one stops working on them at once.
      for (const id of ids) this.#stop(this.#attempts.get(id), 'lost', 'The worker lost its claim on the job')
    })
    this.#worker.on('failed', (job, error) => void this.#onQueueFailure(job, error))
    this.#sweep = setInterval(() => void this.#requeueOrphans(), lockMs)
    this.#sweep.unref()
  }

  /** Start taking jobs. */
  static async start(options: EngineWorkerOptions): Promise<EngineWorker> {
    // BullMQ's worker blocks on Redis while it waits for jobs, and its commands must wait for Redis to come back.
    const connection = await connectRedis(options.cluster.target, { maxRetriesPerRequest: null })
    const worker = new EngineWorker(options, connection)
    await worker.#worker.waitUntilReady()
    return worker
  }

  /**
   * Stop taking jobs; abort the engine calls in progress and hand their jobs back to the queue once the calls
   * returned (or `engineStopGraceMs` passed), so that another worker, or this one restarted, runs them.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#sweep)
      const closed = this.#worker.close()
      for (const attempt of this.#attempts.values()) {
        this.#stop(attempt, 'stopping', 'The worker is stopping')
        setTimeout(() => attempt.endGrace(), this.#options.engineStopGraceMs ?? 10_000).unref()
      }
      await closed.catch(() => {})
      await closeRedis(this.#connection)
    })()
    return this.#closing
  }

  async #process(job: Job, token: string | undefined): Promise<void> {
    const id = job.id
    if (id === undefined) return
    const { client, keys, events } = this.#cluster
    const attemptToken = token ?? randomUUID()
    const [verdict, remove, upload] = (await startAttempt.run(
      client,
      [keys.job(id), keys.pending],
      [id, Date.now(), attemptToken],
    )) as [string, number?, string?]
    if (verdict === 'missing') return
    if (verdict === 'settled') {
      if (remove === 1 && upload) await removeUpload(this.#options.spoolDirectory, upload)
      return
    }
    let endGrace = (): void => {}
    const graceOver = new Promise<void>((resolve) => {
      endGrace = resolve
    })
    const attempt: Attempt = {
      id,
      token: attemptToken,
      controller: new AbortController(),
      graceOver,
      endGrace,
    }
    this.#attempts.set(id, attempt)
    const unwatch = events.watch(id, () => void this.#checkSettled(attempt))
    try {
      let order: WorkOrder
      try {
        order = readWorkOrder(await client.hgetall(keys.job(id)), this.#options.spoolDirectory)
      } catch (error) {
        await this.#finish(attempt, engineFailure('The job record could not be read', error))
        return
      }
      // Settled between the start and the watch (a cancel through any replica, whose message came before the
      // watch): nothing to run. The engine is not called with a signal aborted already, which it may not look at.
      await this.#checkSettled(attempt)
      if (order.deadline !== undefined && order.params.timeoutMs !== undefined && !attempt.stopReason) {
        const timeoutMs = order.params.timeoutMs
        attempt.timer = setTimeout(
          () => void this.#timeOut(attempt, timeoutMs),
          Math.max(0, order.deadline - Date.now()),
        )
      }
      const outcome: Outcome =
        attempt.stopReason === undefined
          ? await this.#convert(order, attempt)
          : { status: 'failed', errorCode: 'EngineFailure', errorMessage: 'The job was not run' }
      if (attempt.stopReason === 'stopping') {
        await this.#handBack(job, attempt)
        throw new WaitingError()
      }
      if (attempt.stopReason === 'lost') {
        await this.#release(attempt)
        return
      }
      await this.#finish(attempt, attempt.timedOut ?? outcome)
    } finally {
      clearTimeout(attempt.timer)
      unwatch()
      this.#attempts.delete(id)
    }
  }

  /** One engine call; whatever the engine does (throw at once, reject, return nonsense), an outcome comes back. */
  async #convert(order: WorkOrder, attempt: Attempt): Promise<Outcome> {
    const { engine, spoolDirectory } = this.#options
    try {
      await access(order.document.path)
    } catch {
      return {
        status: 'failed',
        errorCode: 'UploadMissing',
        errorMessage:
          `The upload is not in this worker's upload folder ${spoolDirectory}: every node of a cluster must ` +
          'share the same upload folder (--upload-dir)',
      }
    }
    const call = (async (): Promise<Outcome> => {
      try {
        const output: unknown = await engine.convert(order.document, order.params, attempt.controller.signal)
        if (!isEngineOutput(output)) {
          return {
            status: 'failed',
            errorCode: 'EngineFailure',
            errorMessage: `The engine ${engine.name} returned no result (expected { result: string, reasoning: string })`,
          }
        }
        return { status: 'completed', output }
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code
        const errorCode =
          error instanceof Error && typeof code === 'string' && code !== '' ? code : 'EngineFailure'
        return {
          status: 'failed',
          errorCode,
          errorMessage: error instanceof Error ? error.message : String(error),
        }
      }
    })()
    // A stopping worker waits for the call, but not for ever.
    const graceOver = attempt.graceOver.then(
      (): Outcome => ({
        status: 'failed',
        errorCode: 'EngineFailure',
        errorMessage: 'The engine did not stop',
      }),
    )
    return Promise.race([call, graceOver])
  }

  async #timeOut(attempt: Attempt, timeoutMs: number): Promise<void> {
    attempt.timedOut = {
      status: 'timeout',
      errorCode: 'JobTimeout',
      errorMessage: `The job ran past its execution timeout of ${timeoutMs} ms`,
    }
    // Settled for the client at once; the upload stays held until the engine call returns.
    await this.#settle(attempt.id, '', attempt.timedOut).catch(() => {})
    this.#stop(attempt, 'settled', 'The job was timed out')
  }

  /** Abort the engine call of a job settled by another node (cancelled, timed out, failed). */
  async #checkSettled(attempt: Attempt): Promise<void> {
    if (attempt.stopReason !== undefined) return
    const status = (await this.#cluster.client
      .hget(this.#cluster.keys.job(attempt.id), 'status')
      .catch(() => undefined)) as JobStatus | null | undefined
    if (status && isTerminal(status)) {
      this.#stop(attempt, 'settled', `The job was ${status === 'timeout' ? 'timed out' : status}`)
    }
  }

  #stop(attempt: Attempt | undefined, reason: NonNullable<Attempt['stopReason']>, message: string): void {
    if (!attempt) return
    // Stopping wins over an earlier reason: the job must be handed back, not left as it is.
    if (attempt.stopReason === undefined || reason === 'stopping') attempt.stopReason = reason
    attempt.controller.abort(new Error(message))
  }

  /** Settle the job with this attempt's outcome (a no-op when it was settled already), letting go of the upload. */
  async #finish(attempt: Attempt, outcome: Outcome): Promise<void> {
    await this.#settle(attempt.id, attempt.token, outcome)
  }

  async #settle(id: string, attemptToken: string, outcome: Outcome): Promise<void> {
    const { client, keys } = this.#cluster
    const [, remove, upload] = (await finishJob.run(
      client,
      [keys.job(id), keys.pending, keys.expiring],
      [id, Date.now(), outcome.status, attemptToken, keys.finishedChannel, ...outcomeFields(outcome)],
    )) as [number, number, string]
    if (remove === 1 && upload !== '') await removeUpload(this.#options.spoolDirectory, upload)
  }

  /** This attempt lets go of the upload without settling the job (another worker has it now). */
  async #release(attempt: Attempt): Promise<void> {
    const [remove, upload] = (await releaseAttempt.run(
      this.#cluster.client,
      [this.#cluster.keys.job(attempt.id)],
      [attempt.token],
    )) as [number, string]
    if (remove === 1 && upload !== '') await removeUpload(this.#options.spoolDirectory, upload)
  }

  /** Give a job back to the queue: pending again in its record, waiting again in BullMQ. */
  async #handBack(job: Job, attempt: Attempt): Promise<void> {
    const { client, keys } = this.#cluster
    const [remove, upload] = (await handBack.run(
      client,
      [keys.job(attempt.id), keys.pending],
      [attempt.id, Date.now(), attempt.token],
    )) as [number, string]
    if (remove === 1 && upload !== '') await removeUpload(this.#options.spoolDirectory, upload)
    await job.moveToWait(attempt.token)
  }

  /**
   * BullMQ failed a job itself: it lost its worker once more than allowed (stalled), or something else went wrong
   * outside the engine. The record says why, instead of staying `running` for ever.
   */
  async #onQueueFailure(job: Job | undefined, error: Error): Promise<void> {
    if (job?.id === undefined || error instanceof WaitingError || error.name === 'WaitingError') return
    const lockSeconds = this.#options.workerLockMs / 1000
    const outcome: Outcome = /stalled/.test(error.message)
      ? {
          status: 'failed',
          errorCode: 'WorkerLost',
          errorMessage:
            `The engine worker running this job stopped (it died, or did not renew its claim for ${lockSeconds} s) ` +
            `${maxStalledCount + 1} times; the job was not run again`,
        }
      : {
          status: 'failed',
          errorCode: 'QueueFailure',
          errorMessage: `The engine queue failed the job: ${error.message}`,
        }
    await this.#settle(job.id, '*', outcome).catch(() => {})
  }

  /**
   * A job whose API replica died between storing its record and queueing it would stay pending for ever: pending
   * records older than a lock period are queued again (BullMQ ignores a job ID it already holds), and one that
   * BullMQ failed is settled with its reason.
   */
  async #requeueOrphans(): Promise<void> {
    const { client, keys, queue } = this.#cluster
    try {
      const ids = await client.zrangebyscore(
        keys.pending,
        '-inf',
        Date.now() - this.#options.workerLockMs,
        'LIMIT',
        0,
        100,
      )
      for (const id of ids) {
        const state = await queue.getJobState(id)
        if (state === 'unknown') {
          await queue.add('convert', {}, { ...engineJobOptions, jobId: id })
        } else if (state === 'failed') {
          const job = await queue.getJob(id)
          await this.#onQueueFailure(job, new Error(job?.failedReason ?? 'failed'))
        }
      }
    } catch {
      // Redis away: the next sweep tries again.
    }
  }
}

function engineFailure(what: string, error: unknown): Outcome {
  const detail = error instanceof Error ? error.message : String(error)
  return { status: 'failed', errorCode: 'EngineFailure', errorMessage: `${what}: ${detail}` }
}

function isEngineOutput(output: unknown): output is EngineOutput {
  return typeof output === 'object' && output !== null && typeof (output as EngineOutput).result === 'string'
}
