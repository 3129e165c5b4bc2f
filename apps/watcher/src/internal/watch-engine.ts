import { mkdir, realpath, stat } from 'node:fs/promises'
import { dirname, relative } from 'node:path'
import type { Display, Snapshot } from '../display.js'
import type { ResolvedOptions } from '../options.js'
import type { Summary, Watcher } from '../watcher.js'
import { AdoptableJobs } from './adoptable-jobs.js'
import { removeStaleTemporaryFiles } from './atomic-write.js'
import { type Backend, openBackend } from './backend.js'
import { classifyError, type Failure } from './classify-error.js'
import { checkComplete } from './completeness.js'
import { jobSurvives, retryDelayMs, submitAndWait } from './conversion.js'
import { ConversionQueue } from './conversion-queue.js'
import { type FailedSource, failedRecord, writeErrorFile } from './failure-report.js'
import { createFileFilter } from './file-filter.js'
import { sameSignature, signatureOf } from './file-signature.js'
import { InboxEvents } from './inbox-events.js'
import { verdictByContent, verdictBySignature } from './journal-verdicts.js'
import { optionsFingerprint } from './options-fingerprint.js'
import { removeOutputs, writeOutputs } from './output-files.js'
import { outputPaths } from './output-paths.js'
import { within } from './path-containment.js'
import { RunReport } from './run-report.js'
import { type Inspection, inboxPath, inspect, type ScanContext, scan } from './scanner.js'
import { disposeSource } from './source-disposal.js'
import { hashIfStill, incompleteRecheckMs, remainingSettleMs } from './stability.js'
import { type FileRecord, StateStore } from './state-store.js'
import type { Tracked } from './tracked.js'
import { uploadName } from './upload-identity.js'

/**
 * One watcher run: finds documents (start-up scan, periodic rescans, chokidar hints), waits for each to
 * hold still and look whole, converts it once per content and options, and records every step in the
 * journal so that a restart carries on where this run ended.
 */
export class WatchEngine implements Watcher {
  private readonly options: ResolvedOptions
  private readonly display: Display
  private readonly fingerprint: string
  private readonly queue: ConversionQueue
  private readonly tracked = new Map<string, Tracked>()
  private readonly report = new RunReport()
  private readonly retriedServiceFailures = new Set<string>()
  private adoptable!: AdoptableJobs
  private store!: StateStore
  private backend!: Backend
  private context!: ScanContext
  private events!: InboxEvents
  private rescanTimer: NodeJS.Timeout | undefined
  private scanning: Promise<void> | undefined
  private stopping: Promise<Summary> | undefined
  private resolveFinished!: (summary: Summary) => void
  private initialScanDone = false
  readonly finished: Promise<Summary>

  constructor(options: ResolvedOptions, display: Display) {
    this.options = options
    this.display = display
    this.fingerprint = optionsFingerprint(options)
    this.queue = new ConversionQueue(options.concurrency, () => this.checkOnceFinished())
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve
    })
  }

  // ---- start-up ---------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    const { options } = this
    const inboxStats = await stat(options.inbox).catch(() => undefined)
    if (!inboxStats?.isDirectory()) throw new Error(`the inbox ${options.inbox} is not a folder`)
    await mkdir(options.out, { recursive: true })
    this.store = StateStore.open(options.state)
    try {
      await removeStaleTemporaryFiles(options.out)
      this.context = {
        inbox: options.inbox,
        realInbox: await realpath(options.inbox),
        filter: createFileFilter(options.include, options.exclude),
        skipFolders: [options.out, options.doneDir, dirname(options.state)].filter((folder) =>
          within(options.inbox, folder),
        ),
      }
      this.events = new InboxEvents({
        options,
        context: this.context,
        display: this.display,
        onPath: (path) => void this.observe(path),
        onInboxReplaced: () => this.rescanUnlessRunning(),
        isStopping: () => this.stopping !== undefined,
      })
      this.backend = await openBackend(options, this.display)
    } catch (error) {
      this.store.close()
      throw error
    }
    this.adoptable = await AdoptableJobs.load(
      this.backend.client,
      this.store.all(),
      this.queue.signal,
      this.display,
    )
    const resumable = this.store.all().filter((record) => record.status === 'submitted').length
    const pollingInterval = options.once ? undefined : this.events.pollingInterval()
    this.display.log('info', options.once ? 'processing the inbox once' : 'watching', {
      inbox: options.inbox,
      out: options.out,
      state: options.state,
      known: this.store.all().length,
      resumable,
      ...(options.once ? {} : { events: pollingInterval ? `polling every ${pollingInterval} ms` : 'native' }),
    })
    this.display.watch(() => this.snapshot())
    if (!options.once) this.events.start(pollingInterval, inboxStats, Math.min(1000, options.rescanMs))
    this.scanning = this.rescan().finally(() => {
      this.scanning = undefined
      this.initialScanDone = true
      this.checkOnceFinished()
    })
    if (!options.once) {
      this.rescanTimer = setInterval(() => this.rescanUnlessRunning(), options.rescanMs)
    }
  }

  // ---- detection --------------------------------------------------------------------------------------------

  private rescanUnlessRunning(): void {
    if (!this.scanning) this.scanning = this.rescan().finally(() => (this.scanning = undefined))
  }

  /** The source of truth: walk the inbox, look at every document, notice deletions. */
  private async rescan(): Promise<void> {
    if (this.stopping) return
    let folderErrors = 0
    const found = await scan(this.context, (folder, error) => {
      folderErrors++
      if (folder === this.options.inbox) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.display.log('warn', 'cannot read the inbox', { error: error.message })
        }
      } else this.display.log('warn', 'cannot read a folder in the inbox', { folder, error: error.message })
    })
    await Promise.all([...found.values()].map((inspection) => this.observe(inspection.path, inspection)))
    // Deletions count only when the whole inbox could be read: a vanished root must not wipe outputs.
    if (folderErrors === 0) {
      for (const record of this.store.all()) {
        if (!found.has(record.path) && !this.tracked.has(record.path)) await this.sourceRemoved(record.path)
      }
    }
  }

  /** Look at one path now (a hint from chokidar, a scan, or a settle timer). */
  private async observe(path: string, given?: Inspection): Promise<void> {
    if (this.stopping) return
    let inspection: Inspection
    try {
      inspection = given ?? (await inspect(this.context, path))
    } catch (error) {
      this.display.log('warn', 'cannot inspect a file', { path, error: (error as Error).message })
      return
    }
    const tracked = this.tracked.get(path)
    if (inspection.kind === 'ignored') return
    if (inspection.kind === 'absent') {
      if (tracked && tracked.phase === 'settling') {
        clearTimeout(tracked.timer)
        this.tracked.delete(path)
        this.checkOnceFinished()
      }
      if (!tracked) await this.sourceRemoved(path)
      return
    }
    if (inspection.kind === 'problem') {
      if (tracked) return
      const record = this.store.get(path)
      if (record?.status === 'failed' && record.sha256 === '' && record.error?.code === inspection.code) {
        this.report.row(path, 'failed', undefined, record.error.message)
        return
      }
      await this.fail(
        path,
        { kind: 'document', message: inspection.reason, code: inspection.code },
        { size: 0, mtimeMs: 0, ctimeMs: 0, sha256: '', attempts: 0 },
      )
      return
    }

    const signature = signatureOf(inspection.stats)
    const now = Date.now()
    if (tracked) {
      if (tracked.phase !== 'settling') {
        if (!sameSignature(tracked, signature)) tracked.dirty = true
        return
      }
      const waitMs = remainingSettleMs(tracked, signature, now, this.options.stabilityMs)
      if (waitMs === undefined) await this.settled(path, tracked)
      else this.settleLater(path, tracked, waitMs)
      return
    }

    const record = this.store.get(path)
    const verdict = verdictBySignature(
      record,
      this.fingerprint,
      signature,
      this.retriedServiceFailures.has(path),
    )
    if (verdict === 'unchanged') {
      this.report.row(path, 'unchanged', outputPaths(this.options.out, path).markdown)
      return
    }
    if (verdict === 'failed') {
      this.report.row(path, 'failed', undefined, record?.error?.message)
      return
    }
    const entry: Tracked = { phase: 'settling', ...signature, since: now, dirty: false, attempts: 0 }
    this.tracked.set(path, entry)
    if (verdict === 'resume') {
      entry.resume = record
      this.enqueue(path, entry)
    } else this.settleLater(path, entry, this.options.stabilityMs)
  }

  private settleLater(path: string, tracked: Tracked, delayMs: number): void {
    clearTimeout(tracked.timer)
    tracked.timer = setTimeout(() => void this.observe(path), Math.max(delayMs, 10))
  }

  /** Size and mtime held still long enough: check the format's end marker, then queue it. */
  private async settled(path: string, tracked: Tracked): Promise<void> {
    const absolute = inboxPath(this.options.inbox, path)
    let incomplete: string | undefined
    try {
      incomplete = await checkComplete(absolute, tracked.size)
    } catch (error) {
      const failure = classifyError(error)
      if (failure.kind === 'vanished') return void this.observe(path)
      this.tracked.delete(path)
      await this.failUnreadable(path, failure, tracked, 0)
      return
    }
    if (this.tracked.get(path) !== tracked || tracked.phase !== 'settling') return
    if (incomplete) {
      const recheckMs = incompleteRecheckMs(tracked, Date.now(), this.options.stabilityMs)
      if (recheckMs !== undefined) return this.settleLater(path, tracked, recheckMs)
      this.tracked.delete(path)
      await this.fail(
        path,
        { kind: 'document', message: incomplete, code: 'INCOMPLETE' },
        { ...signatureOf(tracked), sha256: '', attempts: 0 },
      )
      return
    }
    this.enqueue(path, tracked)
  }

  private enqueue(path: string, tracked: Tracked): void {
    tracked.phase = 'queued'
    clearTimeout(tracked.timer)
    this.queue.add(() => this.convert(path, tracked))
  }

  // ---- conversion -------------------------------------------------------------------------------------------

  private async convert(path: string, tracked: Tracked): Promise<void> {
    if (this.queue.signal.aborted) return
    tracked.phase = 'converting'
    tracked.startedAt = Date.now()
    const absolute = inboxPath(this.options.inbox, path)
    let record = tracked.resume
    tracked.resume = undefined
    let sha256: string | undefined
    try {
      if (record) sha256 = record.sha256
      else {
        sha256 = await hashIfStill(absolute, tracked)
        if (sha256 === undefined) return this.backToSettling(path, tracked)
        record = this.store.get(path)
      }
    } catch (error) {
      const failure = classifyError(error)
      if (failure.kind === 'vanished') return this.finishTracking(path, tracked)
      this.tracked.delete(path)
      await this.failUnreadable(path, failure, tracked, tracked.attempts)
      return this.finishTracking(path, tracked)
    }

    const signature = signatureOf(tracked)
    let jobId: string | undefined
    const verdict = verdictByContent(record, this.fingerprint, sha256)
    if (record && (verdict === 'unchanged' || verdict === 'failed')) {
      // The same content under a new signature: remember the signature, so the next look needs no hash.
      this.store.set({ ...record, ...signature, updatedAt: new Date().toISOString() })
      if (verdict === 'unchanged') {
        this.report.row(path, 'unchanged', outputPaths(this.options.out, path).markdown)
      } else this.report.row(path, 'failed', undefined, record.error?.message)
      return this.finishTracking(path, tracked)
    }
    if (record && verdict === 'resume') jobId = record.jobId
    if (record && verdict === 'adopt') {
      jobId = this.adoptable.take(uploadName(path), record.size, sha256, Date.parse(record.updatedAt))
      if (jobId) {
        this.store.set({ ...record, status: 'submitted', jobId, updatedAt: new Date().toISOString() })
        this.display.log('info', 'adopted the job a crash interrupted', { path, jobId })
      }
    }
    if (record?.status === 'failed' && record.error?.kind === 'service') this.retriedServiceFailures.add(path)

    const base: FileRecord = {
      path,
      status: 'pending',
      sha256,
      options: this.fingerprint,
      ...signature,
      attempts: tracked.attempts,
      updatedAt: new Date().toISOString(),
    }
    const signal = this.queue.signal
    const job = { id: jobId }
    try {
      const result = await submitAndWait(
        { client: this.backend.client, store: this.store, display: this.display, signal },
        path,
        absolute,
        base,
        tracked,
        job,
      )
      jobId = job.id
      const paths = await writeOutputs(this.options.out, path, result, this.options.reasoning)
      const done: FileRecord = { ...base, status: 'done', jobId, attempts: tracked.attempts }
      delete done.error
      this.store.set(done)
      this.report.converted(path, paths.markdown)
      this.display.log('info', 'converted', {
        path,
        jobId,
        output: relative(this.options.out, paths.markdown),
        partial: result.partial || undefined,
        ms: Date.now() - (tracked.startedAt ?? Date.now()),
      })
      await this.afterSuccess(path, absolute, tracked, done)
      return this.finishTracking(path, tracked)
    } catch (error) {
      jobId = job.id
      const failure = classifyError(error)
      if (failure.kind === 'aborted' || signal.aborted) {
        this.display.log('info', 'left for the next start', { path, jobId })
        return
      }
      if (failure.kind === 'vanished') {
        this.display.log('info', 'the file disappeared while it was converted', { path })
        return this.finishTracking(path, tracked)
      }
      if (failure.kind === 'transient' && tracked.attempts < this.options.maxAttempts) {
        const delayMs = retryDelayMs(failure, tracked.attempts)
        this.display.log('warn', 'conversion failed; retrying', {
          path,
          jobId,
          error: failure.message,
          attempt: tracked.attempts,
          retryInMs: Math.round(delayMs),
        })
        if (jobId && jobSurvives(failure)) {
          tracked.resume = { ...base, status: 'submitted', jobId, attempts: tracked.attempts }
        }
        tracked.phase = 'waiting-retry'
        tracked.timer = setTimeout(() => {
          if (!this.stopping) this.enqueue(path, tracked)
        }, delayMs)
        return
      }
      await this.fail(
        path,
        { ...failure, jobId: failure.jobId ?? jobId },
        { ...base, attempts: tracked.attempts },
      )
      return this.finishTracking(path, tracked)
    }
  }

  private backToSettling(path: string, tracked: Tracked): void {
    tracked.phase = 'settling'
    tracked.dirty = false
    void this.observe(path)
  }

  private finishTracking(path: string, tracked: Tracked): void {
    if (this.tracked.get(path) === tracked) this.tracked.delete(path)
    // Changed while it was converted: look at the new content.
    if (tracked.dirty && !this.stopping) void this.observe(path)
    this.checkOnceFinished()
  }

  private async afterSuccess(
    path: string,
    absolute: string,
    tracked: Tracked,
    done: FileRecord,
  ): Promise<void> {
    const { onSuccess } = this.options
    if (onSuccess === 'keep') return
    const now = await stat(absolute).catch(() => undefined)
    // Never move or delete a source that changed while it was converted.
    if (!now || !sameSignature(signatureOf(now), tracked) || tracked.dirty) return
    try {
      await disposeSource(onSuccess, absolute, this.options.doneDir, path)
      this.store.set({ ...done, sourceRemoved: true, updatedAt: new Date().toISOString() })
    } catch (error) {
      this.display.log('warn', `could not ${onSuccess} the source`, { path, error: (error as Error).message })
    }
  }

  private async fail(path: string, failure: Failure, source: FailedSource): Promise<void> {
    const when = new Date().toISOString()
    const errorFile = outputPaths(this.options.out, path).error
    try {
      await writeErrorFile(this.options.out, errorFile, path, failure, source.attempts, when)
    } catch (error) {
      this.display.log('error', 'cannot write the error file', { path, error: (error as Error).message })
    }
    this.store.set(failedRecord(path, failure, source, this.fingerprint, when))
    this.report.failed(path, errorFile, failure.message)
    this.display.log('error', 'failed', {
      path,
      error: failure.message,
      code: failure.code,
      status: failure.status,
      jobId: failure.jobId,
      errorFile: relative(this.options.out, errorFile),
    })
    this.checkOnceFinished()
  }

  /** The source could not be read: a document failure, retried once the file changes. */
  private failUnreadable(path: string, failure: Failure, tracked: Tracked, attempts: number): Promise<void> {
    return this.fail(
      path,
      { ...failure, kind: 'document', message: `cannot read the file: ${failure.message}` },
      { ...signatureOf(tracked), sha256: '', attempts },
    )
  }

  private async sourceRemoved(path: string): Promise<void> {
    const record = this.store.get(path)
    this.report.forget(path)
    if (!record || record.sourceRemoved) return
    if (!this.options.deleteOutputs) return
    await removeOutputs(this.options.out, path)
    this.store.delete(path)
    this.display.log('info', 'source deleted; outputs removed', { path })
  }

  // ---- stopping ---------------------------------------------------------------------------------------------

  private checkOnceFinished(): void {
    if (!this.options.once || !this.initialScanDone || this.stopping) return
    if (this.tracked.size > 0 || this.queue.busy) return
    void this.stop('done')
  }

  snapshot(): Snapshot {
    return this.report.snapshot(this.tracked)
  }

  stop(reason = 'stopped'): Promise<Summary> {
    if (!this.stopping) {
      // Set before doStop runs: its synchronous part may call back into checkOnceFinished.
      let resolveStopping!: (summary: Summary) => void
      this.stopping = new Promise((resolve) => {
        resolveStopping = resolve
      })
      void this.doStop(reason).then(resolveStopping)
    }
    return this.stopping
  }

  private async doStop(reason: string): Promise<Summary> {
    if (reason !== 'done') {
      this.display.log('info', 'stopping: finishing conversions in flight', {
        reason,
        inFlight: this.queue.running,
        graceMs: this.options.graceMs,
      })
    }
    clearInterval(this.rescanTimer)
    for (const tracked of this.tracked.values()) {
      if (tracked.phase === 'settling' || tracked.phase === 'waiting-retry') clearTimeout(tracked.timer)
    }
    this.queue.clear()
    await this.events.close()
    await this.queue.drain(this.options.graceMs, this.display)
    this.store.close()
    await this.backend.close().catch(() => {})
    const summary = this.report.summary()
    this.display.log('info', 'stopped', {
      converted: summary.converted,
      unchanged: summary.unchanged,
      failed: summary.failed,
    })
    this.resolveFinished(summary)
    return summary
  }
}
