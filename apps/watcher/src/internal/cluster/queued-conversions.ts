/**
 * A cluster worker's side of a conversion: a queue job in hand (a document some instance found, hashed and
 * queued), decide by the shared journal, run (submit, or resume the NuMind job the queue job holds, or adopt
 * the one a killed instance's submit created), and settle: the outputs and the journal are written only while
 * this instance still owns the queue job, retries go back to the queue (with a delay) for any instance to
 * take, and a 429 pauses the whole queue. Every outcome is recorded by the outcome recorder, as in a single
 * watcher.
 */
import { stat } from 'node:fs/promises'
import { type NuMarkdownClient, RateLimitError } from '@numarkdown/core'
import { DelayedError, type Job, WaitingError, Worker } from 'bullmq'
import type { ResolvedOptions } from '../../options.js'
import type { Display } from '../../types.js'
import { AdoptableJobs } from '../conversion/adoptable-jobs.js'
import { classifyError, type Failure } from '../conversion/classify-error.js'
import { DocumentSource, SourceChanged } from '../conversion/document-source.js'
import { convertPagesAndWait, type WaitedPages } from '../conversion/page-conversion.js'
import { PageSplitting } from '../conversion/page-splitting.js'
import { jobSurvives, outputRetryDelayMs, retryDelayMs } from '../conversion/retry-policy.js'
import { type DocumentExchange, submitAndWait } from '../conversion/submit-and-wait.js'
import { uploadName } from '../conversion/upload-identity.js'
import { sameSignature, signatureOf } from '../detection/file-signature.js'
import { inboxPath, type ScanContext } from '../detection/scanner.js'
import type { FileRecord } from '../journal/journal.js'
import type { JournalStore } from '../journal/journal-store.js'
import { verdictByContent } from '../journal/journal-verdicts.js'
import type { OutputHealth } from '../outputs/output-health.js'
import { disposeSource } from '../outputs/source-disposal.js'
import type { OutcomeRecorder } from '../run/outcome-recorder.js'
import type { Tracked } from '../run/tracked.js'
import type { ClusterQueue } from './cluster-queue.js'
import type { QueuedDocument } from './queued-document.js'

export interface QueuedConversionsSettings {
  options: ResolvedOptions
  display: Display
  fingerprint: string
  context: ScanContext
  journal: JournalStore
  client: NuMarkdownClient
  cluster: ClusterQueue
  recorder: OutcomeRecorder
  outputHealth: OutputHealth
  /** Aborted once the grace period of a shutdown is over: jobs in flight go back to the queue. */
  signal: AbortSignal
  /** The service refused the API key (401): this instance stops; the job is left to the others. */
  onRefused(failure: Failure): void
  /** A conversion ended: a moment to check whether a `--once` run is done. */
  onChange(): void
}

/** How a queue job ended for this instance (the value the queue job completes with). */
export type QueuedEnding = 'converted' | 'failed' | 'known' | 'changed' | 'lost' | 'abandoned'

/** Thrown to BullMQ after the job was handed back (moved to wait or delayed) by the processor itself. */
type HandedBack = DelayedError | WaitingError | Error

/** How long the service's 429 pauses the cluster when it did not say (no `Retry-After`). */
const defaultRateLimitMs = 1000

export class QueuedConversions {
  readonly #settings: QueuedConversionsSettings
  readonly #converting = new Map<string, Tracked>()
  readonly #splitting: PageSplitting

  constructor(settings: QueuedConversionsSettings) {
    this.#settings = settings
    this.#splitting = new PageSplitting(settings.options, settings.display)
  }

  /** The documents this instance converts now, for the live view. */
  get files(): ReadonlyMap<string, Tracked> {
    return this.#converting
  }

  /** True while this instance converts any queue job. */
  get busy(): boolean {
    return this.#converting.size > 0
  }

  /** The worker's processor: settles the queue job itself; throws only what hands it back to the queue. */
  async process(job: Job<QueuedDocument>, token: string): Promise<QueuedEnding> {
    const { path } = job.data
    const entry: Tracked = {
      phase: 'converting',
      size: job.data.size,
      mtimeMs: job.data.mtimeMs,
      ctimeMs: job.data.ctimeMs,
      since: Date.now(),
      dirty: false,
      attempts: job.data.attempts,
      outputAttempts: job.data.outputAttempts,
      startedAt: Date.now(),
    }
    this.#converting.set(path, entry)
    try {
      return await this.#convert(job, token, entry)
    } catch (error) {
      if (handedBack(error)) throw error
      this.#settings.recorder.unexpected(path, error)
      // Failed in BullMQ (and removed): the next scan of any instance queues the document again.
      throw error
    } finally {
      if (this.#converting.get(path) === entry) this.#converting.delete(path)
      this.#settings.onChange()
    }
  }

  async #convert(job: Job<QueuedDocument>, token: string, entry: Tracked): Promise<QueuedEnding> {
    const { journal, fingerprint } = this.#settings
    const document = job.data
    const { path, sha256 } = document
    const record = await journal.get(path)
    const verdict = verdictByContent(record, { fingerprint, sha256 })
    // Converted (or failed for good) already, by any instance: nothing to do.
    if (record && (verdict === 'unchanged' || verdict === 'failed')) return 'known'
    const source = new DocumentSource({ context: this.#settings.context, path, signature: document })
    try {
      let jobId = document.numindJobId
      if (!jobId && record?.status === 'submitted' && verdict === 'resume') jobId = record.jobId
      if (!jobId) {
        // To be sent: the file must still hold the content that was queued.
        let same = false
        try {
          same = (await source.open()) === undefined && (await source.hashIfStill()) === sha256
        } catch {}
        // Changed, replaced or gone since it was queued: the instances watching it queue what it is now.
        if (!same) return 'changed'
        if (record && verdict === 'adopt') jobId = await this.#adopt(path, record, sha256)
      }
      const base: FileRecord = {
        path,
        status: 'pending',
        sha256,
        options: fingerprint,
        size: document.size,
        mtimeMs: document.mtimeMs,
        ctimeMs: document.ctimeMs,
        attempts: document.attempts,
        updatedAt: new Date().toISOString(),
      }
      const exchange: DocumentExchange = {
        client: this.#settings.client,
        journal,
        display: this.#settings.display,
        signal: this.#settings.signal,
        path,
        source,
        record: base,
        attempts: document.attempts,
      }
      const split = this.#splitting.of(path)
      if (split) {
        // The shared journal holds the handle: whichever instance takes the document over resumes its pages.
        const resume = record?.status === 'submitted' && verdict === 'resume' ? record.pages : undefined
        const waited = await convertPagesAndWait({
          ...exchange,
          pages: split.pages,
          onPageError: split.onPageError,
          resume,
          onPages: (progress) => {
            entry.pages = progress
          },
        })
        return await this.#settlePages(job, token, { waited, base, entry })
      }
      const waited = await submitAndWait({
        ...exchange,
        jobId,
        onJob: (id) => {
          entry.jobId = id
        },
        // In the queue job too: a re-run of it resumes this NuMind job even without the journal record.
        onSubmitted: (id) =>
          job.updateData({ ...job.data, numindJobId: id, attempts: document.attempts + 1 }),
      })
      if ('error' in waited) {
        return await this.#failed(job, token, {
          error: waited.error,
          jobId: waited.jobId,
          record: base,
          attempts: waited.attempts,
        })
      }
      const done: FileRecord = { ...base, status: 'done', jobId: waited.jobId, attempts: waited.attempts }
      if (!(await this.#owns(job, token))) return this.#lost(path, waited.jobId)
      try {
        await this.#settings.recorder.converted(
          path,
          { result: waited.result, record: done },
          entry.startedAt,
        )
      } catch (error) {
        return await this.#failed(job, token, {
          error,
          jobId: waited.jobId,
          record: base,
          attempts: waited.attempts,
        })
      }
      await this.#afterSuccess(document, done)
      return 'converted'
    } finally {
      await source.close()
    }
  }

  /** The end of a page-by-page conversion: the outputs written while this instance owns the queue job. */
  async #settlePages(
    job: Job<QueuedDocument>,
    token: string,
    { waited, base, entry }: { waited: WaitedPages; base: FileRecord; entry: Tracked },
  ): Promise<QueuedEnding> {
    const { path } = job.data
    const last: FileRecord = waited.handle ? { ...base, status: 'submitted', pages: waited.handle } : base
    if ('error' in waited) {
      return await this.#failed(job, token, {
        error: waited.error,
        jobId: undefined,
        record: last,
        attempts: waited.attempts,
      })
    }
    const jobId = waited.result.jobId
    if (!(await this.#owns(job, token))) return this.#lost(path, jobId)
    const done: FileRecord = {
      ...base,
      status: 'done',
      jobId,
      attempts: waited.attempts,
      ...(waited.failedPages.length > 0 ? { failedPages: waited.failedPages } : {}),
    }
    try {
      await this.#settings.recorder.converted(path, { result: waited.result, record: done }, entry.startedAt)
    } catch (error) {
      return await this.#failed(job, token, { error, jobId, record: last, attempts: waited.attempts })
    }
    await this.#afterSuccess(job.data, done)
    return 'converted'
  }

  /**
   * A pending record: a submit was under way when the instance converting it died. The job it may have
   * created is looked for on the server (by upload identity) and waited for instead of a second submit.
   */
  async #adopt(path: string, record: FileRecord, sha256: string): Promise<string | undefined> {
    const adoptable = await AdoptableJobs.load({
      client: this.#settings.client,
      records: [record],
      signal: this.#settings.signal,
      display: this.#settings.display,
    })
    const jobId = adoptable.take({
      filename: uploadName(path),
      size: record.size,
      sha256,
      since: Date.parse(record.updatedAt),
    })
    if (jobId) await this.#settings.recorder.adopted(path, record, jobId)
    return jobId
  }

  /**
   * Whether this instance still holds the queue job's lock (renewed for another lock period by asking): an
   * instance that lost it (stalled past `--queue-lock-ms`) leaves the outputs to the instance that took over.
   */
  async #owns(job: Job<QueuedDocument>, token: string): Promise<boolean> {
    try {
      return (await job.extendLock(token, this.#settings.options.queueLockMs)) === 1
    } catch {
      return false
    }
  }

  /** Another instance took the queue job over (this one stalled past the lock): the outputs are its to write. */
  #lost(path: string, jobId: string | undefined): QueuedEnding {
    this.#settings.display.log('warn', 'taken over by another instance, which writes the outputs', {
      path,
      jobId,
    })
    return 'lost'
  }

  async #failed(
    job: Job<QueuedDocument>,
    token: string,
    {
      error,
      jobId,
      record,
      attempts,
    }: { error: unknown; jobId: string | undefined; record: FileRecord; attempts: number },
  ): Promise<QueuedEnding> {
    const { options, display, signal } = this.#settings
    const document = job.data
    const { path } = document
    const failure = classifyError(error)
    if (failure.kind === 'aborted' || signal.aborted) {
      // A shutdown: another instance takes the job over now, resuming its NuMind job.
      display.log('info', 'handed back to the queue', { path, jobId })
      await this.#handBack(job, token, { ...document, attempts, ...(jobId ? { numindJobId: jobId } : {}) })
    }
    if (error instanceof SourceChanged || failure.kind === 'vanished') return 'changed'
    if (failure.kind === 'refused') {
      this.#settings.onRefused(failure)
      await this.#handBack(job, token, document)
    }
    if (RateLimitError.isInstance(error)) {
      // Not the document's fault, and not this instance's alone: the whole cluster waits as asked.
      const waitMs = failure.retryAfterMs ?? defaultRateLimitMs
      await this.#settings.cluster.rateLimit(waitMs)
      display.log('warn', 'rate limited by the service: the cluster waits', { path, retryInMs: waitMs })
      throw Worker.RateLimitError()
    }
    if (failure.kind === 'output') {
      this.#settings.outputHealth.failed(failure)
      const outputAttempts = document.outputAttempts + 1
      if (options.once && outputAttempts >= options.maxAttempts) {
        this.#settings.recorder.outputAbandoned(path, failure, jobId)
        return 'abandoned'
      }
      const delayMs = outputRetryDelayMs(outputAttempts)
      display.log(outputAttempts === 1 ? 'warn' : 'debug', 'waiting for the output folder to be writable', {
        path,
        jobId,
        code: failure.code,
        retryInMs: Math.round(delayMs),
      })
      await this.#later(job, token, delayMs, {
        ...document,
        attempts,
        outputAttempts,
        ...(jobId ? { numindJobId: jobId } : {}),
      })
    }
    if (failure.kind === 'transient' && attempts < options.maxAttempts) {
      const delayMs = retryDelayMs(failure, attempts)
      display.log('warn', 'conversion failed; retrying', {
        path,
        jobId,
        error: failure.message,
        attempt: attempts,
        retryInMs: Math.round(delayMs),
      })
      const { numindJobId: _dropped, ...rest } = document
      const keep = jobId && jobSurvives(failure) ? { numindJobId: jobId } : {}
      await this.#later(job, token, delayMs, { ...rest, attempts, ...keep })
    }
    if (!(await this.#owns(job, token))) return this.#lost(path, jobId)
    await this.#settings.recorder.failed(
      path,
      { ...failure, jobId: failure.jobId ?? jobId },
      { ...record, attempts },
    )
    return 'failed'
  }

  /** Back to the queue at once, for any instance; never returns. */
  async #handBack(job: Job<QueuedDocument>, token: string, data: QueuedDocument): Promise<never> {
    await job.updateData(data).catch(() => {})
    await job.moveToWait(token).catch(() => {})
    throw new WaitingError()
  }

  /** Back to the queue after `delayMs`, for any instance; never returns. */
  async #later(
    job: Job<QueuedDocument>,
    token: string,
    delayMs: number,
    data: QueuedDocument,
  ): Promise<never> {
    await job.updateData(data)
    await job.moveToDelayed(Date.now() + delayMs, token)
    throw new DelayedError()
  }

  /** `--on-success move|delete`: never a source that changed since it was queued. */
  async #afterSuccess(document: QueuedDocument, done: FileRecord): Promise<void> {
    const { onSuccess, inbox, doneDir } = this.#settings.options
    if (onSuccess === 'keep') return
    const absolute = inboxPath(inbox, document.path)
    const now = await stat(absolute).catch(() => undefined)
    if (!now || !sameSignature(signatureOf(now), document)) return
    try {
      await disposeSource({ how: onSuccess, absolute, doneDir, path: document.path })
    } catch (error) {
      this.#settings.display.log('warn', `could not ${onSuccess} the source`, {
        path: document.path,
        error: (error as Error).message,
      })
      return
    }
    await this.#settings.recorder.sourceDisposed(done)
  }
}

function handedBack(error: unknown): error is HandedBack {
  const name = (error as Error | undefined)?.name
  return (
    error instanceof DelayedError ||
    error instanceof WaitingError ||
    name === 'DelayedError' ||
    name === 'WaitingError' ||
    (error as Error | undefined)?.message === Worker.RateLimitError().message
  )
}
