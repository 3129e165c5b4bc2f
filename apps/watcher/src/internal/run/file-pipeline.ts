import { stat } from 'node:fs/promises'
import { extname } from 'node:path'
import type { NuMarkdownClient, PagesHandle } from '@numarkdown/core'
import type { ResolvedOptions } from '../../options.js'
import type { Display } from '../../types.js'
import type { QueuedDocument } from '../cluster/queued-document.js'
import type { AdoptableJobs } from '../conversion/adoptable-jobs.js'
import { classifyError, type Failure } from '../conversion/classify-error.js'
import { DocumentSource, SourceChanged } from '../conversion/document-source.js'
import { convertPagesAndWait } from '../conversion/page-conversion.js'
import { PageSplitting } from '../conversion/page-splitting.js'
import { jobSurvives, outputRetryDelayMs, retryDelayMs } from '../conversion/retry-policy.js'
import { type DocumentExchange, submitAndWait } from '../conversion/submit-and-wait.js'
import { uploadName } from '../conversion/upload-identity.js'
import type { DocumentDefect } from '../detection/document-check.js'
import { type FileSignature, sameSignature, signatureOf } from '../detection/file-signature.js'
import { type Inspection, inboxPath, inspect, type ScanContext, scan } from '../detection/scanner.js'
import { incompleteRecheckMs, remainingSettleMs, stillSince } from '../detection/stability.js'
import type { FileRecord } from '../journal/journal.js'
import type { JournalStore } from '../journal/journal-store.js'
import { verdictByContent, verdictBySignature } from '../journal/journal-verdicts.js'
import type { OutputHealth } from '../outputs/output-health.js'
import { disposeSource } from '../outputs/source-disposal.js'
import type { ConversionQueue } from './conversion-queue.js'
import type { OutcomeRecorder, Rejection } from './outcome-recorder.js'
import type { ResultInHand, Tracked } from './tracked.js'

export interface FilePipelineSettings {
  options: ResolvedOptions
  display: Display
  /** Of the options that shape an output: see `optionsFingerprint`. */
  fingerprint: string
  context: ScanContext
  journal: JournalStore
  client: NuMarkdownClient
  queue: ConversionQueue
  adoptable: AdoptableJobs
  outputHealth: OutputHealth
  /** Where every outcome is recorded: the journal, the run report and the log together. */
  recorder: OutcomeRecorder
  /**
   * The inbox is on a local file system: a file's ctime, from this machine's clock, tells since when it has
   * held still (see `stillSince`).
   */
  fileTimes: boolean
  isStopping(): boolean
  /** A file left the pipeline or failed: a moment to check whether a `--once` run is done. */
  onChange(): void
  /** The service refused the API key (401): nothing more can be converted in this run. */
  onRefused(failure: Failure): void
  /**
   * Cluster mode (`--queue`): a document to convert is handed to the cluster's queue, for whichever instance
   * takes it, instead of being converted here.
   */
  cluster?: ClusterHandOff
}

/** Where a cluster's documents go to be converted: see `ClusterQueue`. */
export interface ClusterHandOff {
  /** Queue a document; the same document queued by several instances is one queue job. */
  dispatch(document: QueuedDocument): Promise<void>
  /** Whether the queue still holds the document's job (to convert or being converted). */
  holds(document: Pick<QueuedDocument, 'path' | 'sha256' | 'fingerprint'>): Promise<boolean>
}

/** Shortly after a look at a file that was being replaced, look again. */
const changedRecheckMs = 50

/**
 * How a conversion ended, as `decide` or `run` found it; `settle` acts on it. `changed`: not the file that
 * held still (replaced, written to): wait for it to hold still again. `known`: the journal already holds the
 * outcome of this content. `rejected`/`unreadable`: it cannot be converted as it is, or read at all.
 * `failed`: submitting, waiting or writing the outputs failed, with the record and job in hand and the result
 * whose outputs are still to write, if any.
 */
type Ending =
  | { kind: 'changed' }
  | { kind: 'defect'; defect: DocumentDefect }
  | { kind: 'vanished' }
  | { kind: 'known'; record: FileRecord }
  | { kind: 'rejected'; rejection: Rejection }
  | { kind: 'unreadable'; failure: Failure }
  | { kind: 'converted'; record: FileRecord }
  | { kind: 'queued' }
  | { kind: 'unqueued'; error: unknown }
  | {
      kind: 'failed'
      error: unknown
      record: FileRecord
      jobId: string | undefined
      unwritten?: ResultInHand
    }

/** What `decide` found: the content to convert and the job to wait for, if any; or an ending already. */
type Decision =
  | { kind: 'convert'; sha256: string; jobId: string | undefined; pages: PagesHandle | undefined }
  | Ending

/**
 * The way of each document through one run: seen (by a scan or a hint), settling until it holds still,
 * queued, then converted: decide (opened once, checked whole, hashed; the journal's verdict on its content),
 * run (submit or resume, wait, write the outputs), settle (done, failed, tried again later, or back to
 * settling while it is not whole yet). Every outcome is recorded by the
 * outcome recorder. Every step on a file runs as one counted operation, so the run knows when nothing is in
 * progress any more: only then does a `--once` run end, or the journal close.
 */
export class FilePipeline {
  readonly #settings: FilePipelineSettings
  readonly #tracked = new Map<string, Tracked>()
  /** Service failures (403) already tried again in this run: once per run is enough. */
  readonly #retriedServiceFailures = new Set<string>()
  /** Cluster mode: documents this instance queued, as they were then; looked at again only once they change. */
  readonly #handedOff = new Map<string, FileSignature & { sha256: string }>()
  /** Operations on files in progress (looks, checks, conversions, failure reports). */
  #operations = 0
  #idleWaiters: Array<() => void> = []
  readonly #splitting: PageSplitting

  constructor(settings: FilePipelineSettings) {
    this.#settings = settings
    this.#splitting = new PageSplitting(settings.options, settings.display)
  }

  /** True while any file is settling, queued, converting or waiting for a retry, or any step is running. */
  get busy(): boolean {
    return this.#tracked.size > 0 || this.#operations > 0
  }

  /** The files in the pipeline now, for the live view. */
  get files(): ReadonlyMap<string, Tracked> {
    return this.#tracked
  }

  /** Cancel the timers of files not converting: a shutdown takes no more files. */
  clearTimers(): void {
    for (const tracked of this.#tracked.values()) {
      if (tracked.phase === 'settling' || tracked.phase === 'waiting-retry') clearTimeout(tracked.timer)
    }
  }

  /** Resolves once no operation on a file is running (at once when none is). */
  idle(): Promise<void> {
    if (this.#operations === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /**
   * Run one step on `path` as a counted operation. A step reports its own failures; anything it did not
   * expect is reported here as the file's failure, so that an error can never leave a file half-handled, end
   * the process, or keep a `--once` run waiting.
   */
  async #operation(path: string, step: () => Promise<void>): Promise<void> {
    this.#operations++
    try {
      await step()
    } catch (error) {
      const tracked = this.#tracked.get(path)
      if (tracked) {
        clearTimeout(tracked.timer)
        this.#tracked.delete(path)
      }
      this.#settings.recorder.unexpected(path, error)
    } finally {
      this.#operations--
      if (this.#operations === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve()
      this.#settings.onChange()
    }
  }

  // ---- detection: scans, looks and settling -----------------------------------------------------------------

  /** The source of truth: walk the inbox, look at every document, notice deletions. */
  async rescan(): Promise<void> {
    if (this.#settings.isStopping()) return
    let folderErrors = 0
    const found = await scan(this.#settings.context, (folder, error) => {
      folderErrors++
      if (folder === this.#settings.options.inbox) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.#settings.display.log('warn', 'cannot read the inbox', { error: error.message })
        }
      } else
        this.#settings.display.log('warn', 'cannot read a folder in the inbox', {
          folder,
          error: error.message,
        })
    })
    await Promise.all([...found.values()].map((inspection) => this.observe(inspection.path, inspection)))
    // Deletions count only when the whole inbox could be read: a vanished root must not wipe outputs.
    if (folderErrors === 0) {
      for (const record of await this.#settings.journal.all()) {
        if (this.#settings.isStopping()) return
        if (!found.has(record.path) && !this.#tracked.has(record.path)) {
          await this.#operation(record.path, () => this.#settings.recorder.removed(record.path))
        }
      }
    }
  }

  /** Look at one path now (a hint from chokidar, a scan, or a settle timer). Never rejects. */
  observe(path: string, given?: Inspection): Promise<void> {
    return this.#operation(path, () => this.#look(path, given))
  }

  async #look(path: string, given?: Inspection): Promise<void> {
    const { options, journal, recorder } = this.#settings
    if (this.#settings.isStopping()) return
    let inspection: Inspection
    try {
      inspection = given ?? (await inspect(this.#settings.context, path))
    } catch (error) {
      this.#settings.display.log('warn', 'cannot inspect a file', { path, error: (error as Error).message })
      return
    }
    const tracked = this.#tracked.get(path)
    if (inspection.kind === 'ignored') return
    if (inspection.kind === 'absent') {
      if (tracked && tracked.phase === 'settling') {
        clearTimeout(tracked.timer)
        this.#tracked.delete(path)
      }
      if (!tracked) await recorder.removed(path)
      return
    }
    if (inspection.kind === 'problem') {
      if (tracked) {
        // Being converted: the conversion opens the file itself and sees what it is.
        if (tracked.phase !== 'settling') return
        clearTimeout(tracked.timer)
        this.#tracked.delete(path)
      }
      const record = await journal.get(path)
      if (record?.status === 'failed' && record.sha256 === '' && record.error?.code === inspection.code) {
        return recorder.known(path, record)
      }
      return recorder.rejected(path, inspection)
    }

    const signature = signatureOf(inspection.stats)
    const now = Date.now()
    if (tracked) {
      if (tracked.phase !== 'settling') {
        if (!sameSignature(tracked, signature)) tracked.dirty = true
        return
      }
      tracked.changed = false
      const waitMs = remainingSettleMs(tracked, { signature, now, stabilityMs: options.stabilityMs })
      if (waitMs === undefined) this.#enqueue(path, tracked)
      else this.#settleLater(path, tracked, waitMs)
      return
    }

    const record = await journal.get(path)
    const verdict = verdictBySignature(record, {
      fingerprint: this.#settings.fingerprint,
      signature,
      serviceFailureRetried: this.#retriedServiceFailures.has(path),
    })
    if (record && (verdict === 'unchanged' || verdict === 'failed')) {
      this.#handedOff.delete(path)
      return recorder.known(path, record)
    }
    if (await this.#inClusterQueue(path, signature)) return
    const since = stillSince(signature, now, this.#settings.fileTimes)
    const entry: Tracked = {
      phase: 'settling',
      ...signature,
      since,
      dirty: false,
      attempts: 0,
      outputAttempts: 0,
    }
    this.#tracked.set(path, entry)
    if (verdict === 'resume') {
      entry.resume = record
      this.#enqueue(path, entry)
    } else this.#settleLater(path, entry, since + options.stabilityMs - now)
  }

  /** Cluster mode: queued by this instance as it is now, and still in the queue: nothing to do here. */
  async #inClusterQueue(path: string, signature: FileSignature): Promise<boolean> {
    const { cluster, fingerprint } = this.#settings
    const handed = this.#handedOff.get(path)
    if (!cluster || !handed) return false
    if (sameSignature(handed, signature)) {
      try {
        if (await cluster.holds({ path, sha256: handed.sha256, fingerprint })) return true
      } catch {
        return true // the queue cannot be asked now: the next look asks again
      }
    }
    this.#handedOff.delete(path)
    return false
  }

  #settleLater(path: string, tracked: Tracked, delayMs: number): void {
    clearTimeout(tracked.timer)
    if (this.#settings.isStopping()) return
    tracked.timer = setTimeout(
      () => void this.#operation(path, () => this.#settleTimeUp(path, tracked)),
      Math.max(delayMs, 10),
    )
  }

  /**
   * A settling file's wait is over. Its signature was taken by a look at the file when the wait began: the
   * conversion opens the file, compares what it opened with that signature, and starts the wait over if the
   * file moved meanwhile, so no second look is needed here. A file seen changing (or replaced) while it was
   * opened is looked at first.
   */
  async #settleTimeUp(path: string, tracked: Tracked): Promise<void> {
    if (this.#settings.isStopping() || this.#tracked.get(path) !== tracked || tracked.phase !== 'settling')
      return
    const stillForMs = Date.now() - tracked.since
    if (tracked.changed || stillForMs < this.#settings.options.stabilityMs) return this.#look(path)
    this.#enqueue(path, tracked)
  }

  #enqueue(path: string, tracked: Tracked): void {
    tracked.phase = 'queued'
    clearTimeout(tracked.timer)
    // A shutdown takes no more files: what is not converted yet is found again on the next start.
    if (this.#settings.isStopping()) return
    this.#settings.queue.add(() => this.#operation(path, () => this.#convert(path, tracked)))
  }

  // ---- conversion: decide → run → settle ---------------------------------------------------------------

  async #convert(path: string, tracked: Tracked): Promise<void> {
    if (this.#settings.queue.signal.aborted) return
    tracked.phase = 'converting'
    tracked.startedAt = Date.now()
    const unwritten = tracked.pendingOutput
    if (unwritten) {
      // Converted already: only its outputs are left to write.
      tracked.pendingOutput = undefined
      return this.#settle(path, tracked, await this.#write(path, tracked, unwritten))
    }
    const source = new DocumentSource({
      context: this.#settings.context,
      path,
      signature: signatureOf(tracked),
    })
    try {
      const decision = await this.#decide(path, tracked, source)
      let ending: Ending
      if (decision.kind !== 'convert') ending = decision
      else if (this.#settings.cluster) ending = await this.#handOff(path, tracked, decision.sha256)
      else ending = await this.#run(path, tracked, { ...decision, source })
      await this.#settle(path, tracked, ending)
    } finally {
      await source.close()
    }
  }

  /**
   * Decide by the journal's verdict on the document's content, hashed from the one open file that held still
   * (a job resumed from the journal is not read at all): convert it, resume or adopt its job, or keep the
   * outcome the journal holds.
   */
  async #decide(path: string, tracked: Tracked, source: DocumentSource): Promise<Decision> {
    const { journal, fingerprint } = this.#settings
    let record = tracked.resume
    tracked.resume = undefined
    let sha256: string
    if (record) sha256 = record.sha256
    else {
      try {
        const refusal = await source.open()
        if (refusal) return refusal.kind === 'changed' ? refusal : { kind: 'rejected', rejection: refusal }
        const defect = await source.defect(extensionOf(path))
        if (defect === 'changed') return { kind: 'changed' }
        if (defect) return { kind: 'defect', defect }
        const hashed = await source.hashIfStill()
        if (hashed === undefined) return { kind: 'changed' }
        sha256 = hashed
      } catch (error) {
        const failure = classifyError(error)
        return failure.kind === 'vanished' ? { kind: 'vanished' } : { kind: 'unreadable', failure }
      }
      record = await journal.get(path)
    }
    const verdict = verdictByContent(record, { fingerprint, sha256 })
    if (record && (verdict === 'unchanged' || verdict === 'failed')) return { kind: 'known', record }
    let jobId: string | undefined
    let pages: PagesHandle | undefined
    if (record && verdict === 'resume') {
      jobId = record.jobId
      pages = record.pages
    }
    if (record && verdict === 'adopt') {
      jobId = this.#settings.adoptable.take({
        filename: uploadName(path),
        size: record.size,
        sha256,
        since: Date.parse(record.updatedAt),
      })
      if (jobId) await this.#settings.recorder.adopted(path, record, jobId)
    }
    if (record?.status === 'failed' && record.error?.kind === 'service')
      this.#retriedServiceFailures.add(path)
    return { kind: 'convert', sha256, jobId, pages }
  }

  /** Submit (or resume) and wait, uploading from `source`, then write the outputs. */
  async #run(
    path: string,
    tracked: Tracked,
    {
      sha256,
      jobId,
      pages,
      source,
    }: { sha256: string; jobId: string | undefined; pages: PagesHandle | undefined; source: DocumentSource },
  ): Promise<Ending> {
    const { client, journal, display, queue, fingerprint } = this.#settings
    const record: FileRecord = {
      path,
      status: 'pending',
      sha256,
      options: fingerprint,
      ...signatureOf(tracked),
      attempts: tracked.attempts,
      updatedAt: new Date().toISOString(),
    }
    const exchange: DocumentExchange = {
      client,
      journal,
      display,
      signal: queue.signal,
      path,
      source,
      record,
      attempts: tracked.attempts,
    }
    const split = this.#splitting.of(path)
    if (split) {
      tracked.pages = undefined
      // One slot at the service for the whole document, as for any other.
      const waited = await this.#atService(() =>
        convertPagesAndWait({
          ...exchange,
          pages: split.pages,
          onPageError: split.onPageError,
          resume: pages,
          onPages: (progress) => {
            tracked.pages = progress
          },
        }),
      ).catch((error: unknown) => ({ attempts: tracked.attempts, handle: pages, error }))
      tracked.attempts = waited.attempts
      const last: FileRecord = waited.handle
        ? { ...record, status: 'submitted', pages: waited.handle }
        : record
      if ('error' in waited) return { kind: 'failed', error: waited.error, record: last, jobId: undefined }
      if (await source.changedSinceOpened()) tracked.dirty = true
      const done: FileRecord = {
        ...record,
        status: 'done',
        jobId: waited.result.jobId,
        attempts: tracked.attempts,
        ...(waited.failedPages.length > 0 ? { failedPages: waited.failedPages } : {}),
      }
      return this.#write(path, tracked, { result: waited.result, record: done })
    }
    const waited = await submitAndWait({
      ...exchange,
      jobId,
      onJob: (id) => {
        tracked.jobId = id
      },
      atService: (exchange) => this.#atService(exchange),
    })
    tracked.attempts = waited.attempts
    if ('error' in waited) return { kind: 'failed', error: waited.error, record, jobId: waited.jobId }
    // Written to while it was uploaded: the result may not be of the content hashed; convert it again.
    if (await source.changedSinceOpened()) tracked.dirty = true
    const done: FileRecord = { ...record, status: 'done', jobId: waited.jobId, attempts: tracked.attempts }
    return this.#write(path, tracked, { result: waited.result, record: done })
  }

  /**
   * Run an exchange with the service in one of its slots. A refused API key stops the run before the slot
   * is given to the next document: nothing more is sent with that key.
   */
  async #atService<T>(exchange: () => Promise<T>): Promise<T> {
    return this.#settings.queue.atService(async () => {
      try {
        return await exchange()
      } catch (error) {
        const failure = classifyError(error)
        if (failure.kind === 'refused') this.#settings.onRefused(failure)
        throw error
      }
    })
  }

  /** Cluster mode: queue the document for whichever instance takes it. */
  async #handOff(path: string, tracked: Tracked, sha256: string): Promise<Ending> {
    const signature = signatureOf(tracked)
    try {
      await this.#settings.cluster!.dispatch({
        path,
        sha256,
        fingerprint: this.#settings.fingerprint,
        ...signature,
        attempts: 0,
        outputAttempts: 0,
      })
    } catch (error) {
      return { kind: 'unqueued', error }
    }
    this.#handedOff.set(path, { ...signature, sha256 })
    this.#settings.display.log('debug', 'queued', { path })
    return { kind: 'queued' }
  }

  /** Write the outputs of a result in hand and record the document as done; a failure keeps the result. */
  async #write(path: string, tracked: Tracked, unwritten: ResultInHand): Promise<Ending> {
    try {
      await this.#settings.recorder.converted(path, unwritten, tracked.startedAt)
    } catch (error) {
      return { kind: 'failed', error, record: unwritten.record, jobId: unwritten.record.jobId, unwritten }
    }
    return { kind: 'converted', record: unwritten.record }
  }

  /** Act on how a conversion ended: done, failed (for good, or for this run), or tried again later. */
  async #settle(path: string, tracked: Tracked, ending: Ending): Promise<void> {
    const { recorder } = this.#settings
    switch (ending.kind) {
      case 'changed':
        return this.#backToSettling(path, tracked)
      case 'defect': {
        // Not whole yet (a PDF without its %%EOF): looked at again, up to a limit; never valid as it is: reported.
        if (!ending.defect.final) {
          const { stabilityMs } = this.#settings.options
          const recheckMs = incompleteRecheckMs(tracked, { now: Date.now(), stabilityMs })
          if (recheckMs !== undefined) {
            tracked.phase = 'settling'
            return this.#settleLater(path, tracked, recheckMs)
          }
        }
        this.#tracked.delete(path)
        await recorder.rejected(path, ending.defect, tracked)
        return this.#finishTracking(path, tracked)
      }
      case 'vanished':
        return this.#finishTracking(path, tracked)
      case 'known':
        // The same content under a new signature: remember the signature, so the next look needs no hash.
        await recorder.known(path, ending.record, signatureOf(tracked))
        return this.#finishTracking(path, tracked)
      case 'rejected':
        this.#tracked.delete(path)
        await recorder.rejected(path, ending.rejection)
        return this.#finishTracking(path, tracked)
      case 'unreadable':
        this.#tracked.delete(path)
        await recorder.unreadable(path, ending.failure, { signature: tracked, attempts: tracked.attempts })
        return this.#finishTracking(path, tracked)
      case 'converted':
        tracked.outputAttempts = 0
        await this.#afterSuccess(path, tracked, ending.record)
        return this.#finishTracking(path, tracked)
      case 'failed':
        return this.#settleFailure(path, tracked, ending)
      case 'queued':
        return this.#finishTracking(path, tracked)
      case 'unqueued': {
        // The queue cannot be reached now (Redis restarting): not the document's fault, try again later.
        tracked.outputAttempts++
        const delayMs = outputRetryDelayMs(tracked.outputAttempts)
        this.#settings.display.log(
          tracked.outputAttempts === 1 ? 'warn' : 'debug',
          'cannot queue; retrying',
          {
            path,
            error: ending.error instanceof Error ? ending.error.message : String(ending.error),
            retryInMs: Math.round(delayMs),
          },
        )
        return this.#retryLater(path, tracked, delayMs)
      }
    }
  }

  async #settleFailure(
    path: string,
    tracked: Tracked,
    { error, record, jobId, unwritten }: Extract<Ending, { kind: 'failed' }>,
  ): Promise<void> {
    const { options, display, queue } = this.#settings
    if (unwritten) tracked.pendingOutput = unwritten
    const failure = classifyError(error)
    if (failure.kind === 'aborted' || queue.signal.aborted) {
      display.log('info', 'left for the next start', { path, jobId })
      return
    }
    if (error instanceof SourceChanged || failure.kind === 'vanished') {
      if (failure.kind === 'vanished') {
        display.log('info', 'the file disappeared while it was converted', { path })
      }
      tracked.dirty = true
      return this.#finishTracking(path, tracked)
    }
    if (failure.kind === 'refused') {
      // The key, not the document: the journal keeps the document as it is, for a start with the right key.
      this.#tracked.delete(path)
      this.#settings.onRefused(failure)
      return
    }
    if (failure.kind === 'output') return this.#outputFailed(path, tracked, { failure, record, jobId })
    if (failure.kind === 'transient' && tracked.attempts < options.maxAttempts) {
      const delayMs = retryDelayMs(failure, tracked.attempts)
      display.log('warn', 'conversion failed; retrying', {
        path,
        jobId,
        error: failure.message,
        attempt: tracked.attempts,
        retryInMs: Math.round(delayMs),
      })
      if ((jobId || record.pages) && jobSurvives(failure)) {
        tracked.resume = { ...record, status: 'submitted', jobId, attempts: tracked.attempts }
      }
      return this.#retryLater(path, tracked, delayMs)
    }
    await this.#settings.recorder.failed(
      path,
      { ...failure, jobId: failure.jobId ?? jobId },
      { ...record, attempts: tracked.attempts },
    )
    return this.#finishTracking(path, tracked)
  }

  /**
   * The output folder (or the journal in it) cannot be written: the document is fine, and so is its job. Keep
   * the result (or the job) and try again with backoff, without counting it against the document; a `--once`
   * run gives up after `maxAttempts` tries and leaves the job to the next start.
   */
  #outputFailed(
    path: string,
    tracked: Tracked,
    { failure, record, jobId }: { failure: Failure; record: FileRecord; jobId: string | undefined },
  ): void {
    this.#settings.outputHealth.failed(failure)
    tracked.outputAttempts++
    if (!tracked.pendingOutput && (jobId || record.pages)) {
      tracked.resume = { ...record, status: 'submitted', jobId, attempts: tracked.attempts }
    }
    const { options } = this.#settings
    if (options.once && tracked.outputAttempts >= options.maxAttempts) {
      this.#settings.recorder.outputAbandoned(path, failure, jobId)
      this.#tracked.delete(path)
      this.#finishTracking(path, tracked)
      return
    }
    const delayMs = outputRetryDelayMs(tracked.outputAttempts)
    // Said once per document; the folder's own message already said what is wrong.
    const level = tracked.outputAttempts === 1 ? 'warn' : 'debug'
    this.#settings.display.log(level, 'waiting for the output folder to be writable', {
      path,
      jobId,
      code: failure.code,
      retryInMs: Math.round(delayMs),
    })
    this.#retryLater(path, tracked, delayMs)
  }

  // ---- where a file goes next -------------------------------------------------------------------------------

  #retryLater(path: string, tracked: Tracked, delayMs: number): void {
    tracked.phase = 'waiting-retry'
    clearTimeout(tracked.timer)
    tracked.timer = setTimeout(() => {
      if (!this.#settings.isStopping()) this.#enqueue(path, tracked)
    }, delayMs)
  }

  #backToSettling(path: string, tracked: Tracked): void {
    tracked.phase = 'settling'
    tracked.changed = true
    tracked.dirty = false
    this.#settleLater(path, tracked, changedRecheckMs)
  }

  #finishTracking(path: string, tracked: Tracked): void {
    if (this.#tracked.get(path) === tracked) this.#tracked.delete(path)
    // Changed while it was converted: look at the new content.
    if (tracked.dirty && !this.#settings.isStopping()) void this.observe(path)
  }

  /** `--on-success move|delete`: never a source that changed while it was converted. */
  async #afterSuccess(path: string, tracked: Tracked, done: FileRecord): Promise<void> {
    const { onSuccess, inbox, doneDir } = this.#settings.options
    if (onSuccess === 'keep') return
    const absolute = inboxPath(inbox, path)
    const now = await stat(absolute).catch(() => undefined)
    if (!now || !sameSignature(signatureOf(now), tracked) || tracked.dirty) return
    try {
      await disposeSource({ how: onSuccess, absolute, doneDir, path })
    } catch (error) {
      this.#settings.display.log('warn', `could not ${onSuccess} the source`, {
        path,
        error: (error as Error).message,
      })
      return
    }
    await this.#settings.recorder.sourceDisposed(done)
  }
}

function extensionOf(path: string): string {
  return extname(path).slice(1).toLowerCase()
}
