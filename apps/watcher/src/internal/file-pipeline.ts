import { stat } from 'node:fs/promises'
import { relative } from 'node:path'
import type { NuMarkdownClient } from '@numarkdown/core'
import type { Display } from '../display.js'
import type { ResolvedOptions } from '../options.js'
import type { AdoptableJobs } from './adoptable-jobs.js'
import { classifyError, type Failure } from './classify-error.js'
import { checkComplete } from './completeness.js'
import { jobSurvives, retryDelayMs, submitAndWait } from './conversion.js'
import type { ConversionQueue } from './conversion-queue.js'
import { type FailedSource, failedRecord, writeErrorFile } from './failure-report.js'
import { sameSignature, signatureOf } from './file-signature.js'
import { verdictByContent, verdictBySignature } from './journal-verdicts.js'
import { removeOutputs, writeOutputs } from './output-files.js'
import { outputPaths } from './output-paths.js'
import type { RunReport } from './run-report.js'
import { type Inspection, inboxPath, inspect, type ScanContext, scan } from './scanner.js'
import { disposeSource } from './source-disposal.js'
import { hashIfStill, incompleteRecheckMs, remainingSettleMs } from './stability.js'
import type { FileRecord, StateStore } from './state-store.js'
import type { Tracked } from './tracked.js'
import { uploadName } from './upload-identity.js'

export interface FilePipelineSettings {
  options: ResolvedOptions
  display: Display
  /** Of the options that shape an output: see `optionsFingerprint`. */
  fingerprint: string
  context: ScanContext
  store: StateStore
  client: NuMarkdownClient
  queue: ConversionQueue
  report: RunReport
  adoptable: AdoptableJobs
  isStopping(): boolean
  /** A file left the pipeline or failed: a moment to check whether a `--once` run is done. */
  onChange(): void
}

/**
 * The way of each document through one run: seen (by a scan or a hint), settling until it holds still and
 * looks whole, queued, converted (or found unchanged by its hash), then its outputs or its error file
 * written and the journal updated at every step.
 */
export class FilePipeline {
  private readonly settings: FilePipelineSettings
  private readonly tracked = new Map<string, Tracked>()
  /** Service failures (401/403) already tried again in this run: once per run is enough. */
  private readonly retriedServiceFailures = new Set<string>()

  constructor(settings: FilePipelineSettings) {
    this.settings = settings
  }

  /** True while any file is settling, queued, converting or waiting for a retry. */
  get busy(): boolean {
    return this.tracked.size > 0
  }

  /** The files in the pipeline now, for the live view. */
  get files(): ReadonlyMap<string, Tracked> {
    return this.tracked
  }

  /** Cancel the timers of files not converting: a shutdown takes no more files. */
  clearTimers(): void {
    for (const tracked of this.tracked.values()) {
      if (tracked.phase === 'settling' || tracked.phase === 'waiting-retry') clearTimeout(tracked.timer)
    }
  }

  /** The source of truth: walk the inbox, look at every document, notice deletions. */
  async rescan(): Promise<void> {
    if (this.settings.isStopping()) return
    let folderErrors = 0
    const found = await scan(this.settings.context, (folder, error) => {
      folderErrors++
      if (folder === this.settings.options.inbox) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.settings.display.log('warn', 'cannot read the inbox', { error: error.message })
        }
      } else
        this.settings.display.log('warn', 'cannot read a folder in the inbox', {
          folder,
          error: error.message,
        })
    })
    await Promise.all([...found.values()].map((inspection) => this.observe(inspection.path, inspection)))
    // Deletions count only when the whole inbox could be read: a vanished root must not wipe outputs.
    if (folderErrors === 0) {
      for (const record of this.settings.store.all()) {
        if (!found.has(record.path) && !this.tracked.has(record.path)) await this.sourceRemoved(record.path)
      }
    }
  }

  /** Look at one path now (a hint from chokidar, a scan, or a settle timer). */
  async observe(path: string, given?: Inspection): Promise<void> {
    if (this.settings.isStopping()) return
    let inspection: Inspection
    try {
      inspection = given ?? (await inspect(this.settings.context, path))
    } catch (error) {
      this.settings.display.log('warn', 'cannot inspect a file', { path, error: (error as Error).message })
      return
    }
    const tracked = this.tracked.get(path)
    if (inspection.kind === 'ignored') return
    if (inspection.kind === 'absent') {
      if (tracked && tracked.phase === 'settling') {
        clearTimeout(tracked.timer)
        this.tracked.delete(path)
        this.settings.onChange()
      }
      if (!tracked) await this.sourceRemoved(path)
      return
    }
    if (inspection.kind === 'problem') {
      if (tracked) return
      const record = this.settings.store.get(path)
      if (record?.status === 'failed' && record.sha256 === '' && record.error?.code === inspection.code) {
        this.settings.report.row(path, 'failed', undefined, record.error.message)
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
      const waitMs = remainingSettleMs(tracked, signature, now, this.settings.options.stabilityMs)
      if (waitMs === undefined) await this.settled(path, tracked)
      else this.settleLater(path, tracked, waitMs)
      return
    }

    const record = this.settings.store.get(path)
    const verdict = verdictBySignature(
      record,
      this.settings.fingerprint,
      signature,
      this.retriedServiceFailures.has(path),
    )
    if (verdict === 'unchanged') {
      this.settings.report.row(path, 'unchanged', outputPaths(this.settings.options.out, path).markdown)
      return
    }
    if (verdict === 'failed') {
      this.settings.report.row(path, 'failed', undefined, record?.error?.message)
      return
    }
    const entry: Tracked = { phase: 'settling', ...signature, since: now, dirty: false, attempts: 0 }
    this.tracked.set(path, entry)
    if (verdict === 'resume') {
      entry.resume = record
      this.enqueue(path, entry)
    } else this.settleLater(path, entry, this.settings.options.stabilityMs)
  }

  private settleLater(path: string, tracked: Tracked, delayMs: number): void {
    clearTimeout(tracked.timer)
    tracked.timer = setTimeout(() => void this.observe(path), Math.max(delayMs, 10))
  }

  /** Size and mtime held still long enough: check the format's end marker, then queue it. */
  private async settled(path: string, tracked: Tracked): Promise<void> {
    const absolute = inboxPath(this.settings.options.inbox, path)
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
      const recheckMs = incompleteRecheckMs(tracked, Date.now(), this.settings.options.stabilityMs)
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
    this.settings.queue.add(() => this.convert(path, tracked))
  }

  // ---- conversion -------------------------------------------------------------------------------------------

  private async convert(path: string, tracked: Tracked): Promise<void> {
    if (this.settings.queue.signal.aborted) return
    tracked.phase = 'converting'
    tracked.startedAt = Date.now()
    const absolute = inboxPath(this.settings.options.inbox, path)
    let record = tracked.resume
    tracked.resume = undefined
    let sha256: string | undefined
    try {
      if (record) sha256 = record.sha256
      else {
        sha256 = await hashIfStill(absolute, tracked)
        if (sha256 === undefined) return this.backToSettling(path, tracked)
        record = this.settings.store.get(path)
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
    const verdict = verdictByContent(record, this.settings.fingerprint, sha256)
    if (record && (verdict === 'unchanged' || verdict === 'failed')) {
      // The same content under a new signature: remember the signature, so the next look needs no hash.
      this.settings.store.set({ ...record, ...signature, updatedAt: new Date().toISOString() })
      if (verdict === 'unchanged') {
        this.settings.report.row(path, 'unchanged', outputPaths(this.settings.options.out, path).markdown)
      } else this.settings.report.row(path, 'failed', undefined, record.error?.message)
      return this.finishTracking(path, tracked)
    }
    if (record && verdict === 'resume') jobId = record.jobId
    if (record && verdict === 'adopt') {
      jobId = this.settings.adoptable.take(
        uploadName(path),
        record.size,
        sha256,
        Date.parse(record.updatedAt),
      )
      if (jobId) {
        this.settings.store.set({
          ...record,
          status: 'submitted',
          jobId,
          updatedAt: new Date().toISOString(),
        })
        this.settings.display.log('info', 'adopted the job a crash interrupted', { path, jobId })
      }
    }
    if (record?.status === 'failed' && record.error?.kind === 'service') this.retriedServiceFailures.add(path)

    const base: FileRecord = {
      path,
      status: 'pending',
      sha256,
      options: this.settings.fingerprint,
      ...signature,
      attempts: tracked.attempts,
      updatedAt: new Date().toISOString(),
    }
    const signal = this.settings.queue.signal
    const job = { id: jobId }
    try {
      const result = await submitAndWait(
        { client: this.settings.client, store: this.settings.store, display: this.settings.display, signal },
        path,
        absolute,
        base,
        tracked,
        job,
      )
      jobId = job.id
      const paths = await writeOutputs(
        this.settings.options.out,
        path,
        result,
        this.settings.options.reasoning,
      )
      const done: FileRecord = { ...base, status: 'done', jobId, attempts: tracked.attempts }
      delete done.error
      this.settings.store.set(done)
      this.settings.report.converted(path, paths.markdown)
      this.settings.display.log('info', 'converted', {
        path,
        jobId,
        output: relative(this.settings.options.out, paths.markdown),
        partial: result.partial || undefined,
        ms: Date.now() - (tracked.startedAt ?? Date.now()),
      })
      await this.afterSuccess(path, absolute, tracked, done)
      return this.finishTracking(path, tracked)
    } catch (error) {
      jobId = job.id
      const failure = classifyError(error)
      if (failure.kind === 'aborted' || signal.aborted) {
        this.settings.display.log('info', 'left for the next start', { path, jobId })
        return
      }
      if (failure.kind === 'vanished') {
        this.settings.display.log('info', 'the file disappeared while it was converted', { path })
        return this.finishTracking(path, tracked)
      }
      if (failure.kind === 'transient' && tracked.attempts < this.settings.options.maxAttempts) {
        const delayMs = retryDelayMs(failure, tracked.attempts)
        this.settings.display.log('warn', 'conversion failed; retrying', {
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
          if (!this.settings.isStopping()) this.enqueue(path, tracked)
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
    if (tracked.dirty && !this.settings.isStopping()) void this.observe(path)
    this.settings.onChange()
  }

  private async afterSuccess(
    path: string,
    absolute: string,
    tracked: Tracked,
    done: FileRecord,
  ): Promise<void> {
    const { onSuccess } = this.settings.options
    if (onSuccess === 'keep') return
    const now = await stat(absolute).catch(() => undefined)
    // Never move or delete a source that changed while it was converted.
    if (!now || !sameSignature(signatureOf(now), tracked) || tracked.dirty) return
    try {
      await disposeSource(onSuccess, absolute, this.settings.options.doneDir, path)
      this.settings.store.set({ ...done, sourceRemoved: true, updatedAt: new Date().toISOString() })
    } catch (error) {
      this.settings.display.log('warn', `could not ${onSuccess} the source`, {
        path,
        error: (error as Error).message,
      })
    }
  }

  private async fail(path: string, failure: Failure, source: FailedSource): Promise<void> {
    const when = new Date().toISOString()
    const errorFile = outputPaths(this.settings.options.out, path).error
    try {
      await writeErrorFile(this.settings.options.out, errorFile, path, failure, source.attempts, when)
    } catch (error) {
      this.settings.display.log('error', 'cannot write the error file', {
        path,
        error: (error as Error).message,
      })
    }
    this.settings.store.set(failedRecord(path, failure, source, this.settings.fingerprint, when))
    this.settings.report.failed(path, errorFile, failure.message)
    this.settings.display.log('error', 'failed', {
      path,
      error: failure.message,
      code: failure.code,
      status: failure.status,
      jobId: failure.jobId,
      errorFile: relative(this.settings.options.out, errorFile),
    })
    this.settings.onChange()
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
    const record = this.settings.store.get(path)
    this.settings.report.forget(path)
    if (!record || record.sourceRemoved) return
    if (!this.settings.options.deleteOutputs) return
    await removeOutputs(this.settings.options.out, path)
    this.settings.store.delete(path)
    this.settings.display.log('info', 'source deleted; outputs removed', { path })
  }
}
