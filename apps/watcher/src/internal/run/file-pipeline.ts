import { stat } from 'node:fs/promises'
import { extname, relative } from 'node:path'
import type { ConversionResult, NuMarkdownClient } from '@numarkdown/core'
import type { ResolvedOptions } from '../../options.js'
import type { Display } from '../../types.js'
import type { AdoptableJobs } from '../conversion/adoptable-jobs.js'
import { classifyError, type Failure } from '../conversion/classify-error.js'
import { jobSurvives, retryDelayMs, submitAndWait, type UploadSource } from '../conversion/submit-and-wait.js'
import { uploadName } from '../conversion/upload-identity.js'
import { checkDocument } from '../detection/document-check.js'
import { handleBlob, type OpenDocument, openDocument, sha256OfHandle } from '../detection/document-file.js'
import { type FileSignature, sameSignature, signatureOf } from '../detection/file-signature.js'
import { type Inspection, inboxPath, inspect, type ScanContext, scan } from '../detection/scanner.js'
import { incompleteRecheckMs, remainingSettleMs } from '../detection/stability.js'
import type { FileRecord, Journal } from '../journal/journal.js'
import { verdictByContent, verdictBySignature } from '../journal/journal-verdicts.js'
import { OutputError } from '../outputs/output-error.js'
import { removeOutputs, writeOutputs } from '../outputs/output-files.js'
import type { OutputHealth } from '../outputs/output-health.js'
import { outputPaths } from '../outputs/output-paths.js'
import { disposeSource } from '../outputs/source-disposal.js'
import type { ConversionQueue } from './conversion-queue.js'
import { type FailedSource, failedRecord, writeErrorFile } from './failure-report.js'
import type { RunReport } from './run-report.js'
import type { Tracked } from './tracked.js'

export interface FilePipelineSettings {
  options: ResolvedOptions
  display: Display
  /** Of the options that shape an output: see `optionsFingerprint`. */
  fingerprint: string
  context: ScanContext
  journal: Journal
  client: NuMarkdownClient
  queue: ConversionQueue
  report: RunReport
  adoptable: AdoptableJobs
  outputHealth: OutputHealth
  isStopping(): boolean
  /** A file left the pipeline or failed: a moment to check whether a `--once` run is done. */
  onChange(): void
  /** The service refused the API key (401): nothing more can be converted in this run. */
  onRefused(failure: Failure): void
}

/** The open document changed or was replaced while it was being read: look at it again. */
class SourceChanged extends Error {}

/** Shortly after a look at a file that was being replaced, look again. */
const CHANGED_RECHECK_MS = 50

/**
 * The way of each document through one run: seen (by a scan or a hint), settling until it holds still and
 * looks whole, queued, converted (or found unchanged by its hash), then its outputs or its error file
 * written and the journal updated at every step. Every step on a file runs as one counted operation, so the
 * run knows when nothing is in progress any more: only then does a `--once` run end, or the journal close.
 */
export class FilePipeline {
  private readonly settings: FilePipelineSettings
  private readonly tracked = new Map<string, Tracked>()
  /** Service failures (403) already tried again in this run: once per run is enough. */
  private readonly retriedServiceFailures = new Set<string>()
  /** Operations on files in progress (looks, checks, conversions, failure reports). */
  private operations = 0
  private idleWaiters: Array<() => void> = []

  constructor(settings: FilePipelineSettings) {
    this.settings = settings
  }

  /** True while any file is settling, queued, converting or waiting for a retry, or any step is running. */
  get busy(): boolean {
    return this.tracked.size > 0 || this.operations > 0
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

  /** Resolves once no operation on a file is running (at once when none is). */
  idle(): Promise<void> {
    if (this.operations === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /**
   * Run one step on `path` as a counted operation. A step reports its own failures; anything it did not
   * expect is reported here as the file's failure, so that an error can never leave a file half-handled, end
   * the process, or keep a `--once` run waiting.
   */
  private async operation(path: string, step: () => Promise<void>): Promise<void> {
    this.operations++
    try {
      await step()
    } catch (error) {
      const tracked = this.tracked.get(path)
      if (tracked) {
        clearTimeout(tracked.timer)
        this.tracked.delete(path)
      }
      const message = error instanceof Error ? error.message : String(error)
      this.settings.report.failed(path, undefined, `unexpected error: ${message}`, 'INTERNAL')
      this.settings.display.log('error', 'unexpected error; the file is looked at again on the next scan', {
        path,
        error: message,
        stack: error instanceof Error ? error.stack : undefined,
      })
    } finally {
      this.operations--
      if (this.operations === 0) for (const resolve of this.idleWaiters.splice(0)) resolve()
      this.settings.onChange()
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
      for (const record of this.settings.journal.all()) {
        if (this.settings.isStopping()) return
        if (!found.has(record.path) && !this.tracked.has(record.path)) {
          await this.operation(record.path, () => this.sourceRemoved(record.path))
        }
      }
    }
  }

  /** Look at one path now (a hint from chokidar, a scan, or a settle timer). Never rejects. */
  observe(path: string, given?: Inspection): Promise<void> {
    return this.operation(path, () => this.look(path, given))
  }

  private async look(path: string, given?: Inspection): Promise<void> {
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
      }
      if (!tracked) await this.sourceRemoved(path)
      return
    }
    if (inspection.kind === 'problem') {
      if (tracked) {
        // Being converted: the conversion opens the file itself and sees what it is.
        if (tracked.phase !== 'settling') return
        clearTimeout(tracked.timer)
        this.tracked.delete(path)
      }
      const record = this.settings.journal.get(path)
      if (record?.status === 'failed' && record.sha256 === '' && record.error?.code === inspection.code) {
        this.settings.report.row(path, 'failed', undefined, record.error.message, record.error.code)
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

    const record = this.settings.journal.get(path)
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
      this.settings.report.row(path, 'failed', undefined, record?.error?.message, record?.error?.code)
      return
    }
    const entry: Tracked = {
      phase: 'settling',
      ...signature,
      since: now,
      dirty: false,
      attempts: 0,
      outputAttempts: 0,
    }
    this.tracked.set(path, entry)
    if (verdict === 'resume') {
      entry.resume = record
      this.enqueue(path, entry)
    } else this.settleLater(path, entry, this.settings.options.stabilityMs)
  }

  private settleLater(path: string, tracked: Tracked, delayMs: number): void {
    clearTimeout(tracked.timer)
    if (this.settings.isStopping()) return
    tracked.timer = setTimeout(() => void this.observe(path), Math.max(delayMs, 10))
  }

  /**
   * Size and mtime held still long enough: open the file and look at it. A file that can never be valid as it
   * is (empty, not its format) is reported now; one that may still be growing (no end marker yet) is looked
   * at again, up to a limit; a whole one is queued.
   */
  private async settled(path: string, tracked: Tracked): Promise<void> {
    let opened: Awaited<ReturnType<typeof openDocument>>
    try {
      opened = await openDocument(this.settings.context, path)
    } catch (error) {
      const failure = classifyError(error)
      if (failure.kind === 'vanished') return this.look(path)
      this.tracked.delete(path)
      await this.failUnreadable(path, failure, tracked, 0)
      return
    }
    if ('kind' in opened) {
      if (opened.kind === 'changed') return this.settleLater(path, tracked, CHANGED_RECHECK_MS)
      this.tracked.delete(path)
      await this.fail(
        path,
        { kind: 'document', message: opened.reason, code: opened.code },
        { size: 0, mtimeMs: 0, ctimeMs: 0, sha256: '', attempts: 0 },
      )
      return
    }
    let defect: Awaited<ReturnType<typeof checkDocument>>
    try {
      if (!sameSignature(signatureOf(opened.stats), tracked)) {
        // Not the file that held still: start the wait over with this one.
        remainingSettleMs(tracked, signatureOf(opened.stats), Date.now(), this.settings.options.stabilityMs)
        return this.settleLater(path, tracked, this.settings.options.stabilityMs)
      }
      defect = await checkDocument(opened.handle, opened.stats.size, extensionOf(path))
    } catch (error) {
      this.tracked.delete(path)
      await this.failUnreadable(path, classifyError(error), tracked, 0)
      return
    } finally {
      await opened.handle.close().catch(() => {})
    }
    if (this.tracked.get(path) !== tracked || tracked.phase !== 'settling') return
    if (!defect) return this.enqueue(path, tracked)
    if (!defect.final) {
      const recheckMs = incompleteRecheckMs(tracked, Date.now(), this.settings.options.stabilityMs)
      if (recheckMs !== undefined) return this.settleLater(path, tracked, recheckMs)
    }
    this.tracked.delete(path)
    await this.fail(
      path,
      { kind: 'document', message: defect.reason, code: defect.code },
      { ...signatureOf(tracked), sha256: '', attempts: 0 },
    )
  }

  private enqueue(path: string, tracked: Tracked): void {
    tracked.phase = 'queued'
    clearTimeout(tracked.timer)
    // A shutdown takes no more files: what is not converted yet is found again on the next start.
    if (this.settings.isStopping()) return
    this.settings.queue.add(() => this.operation(path, () => this.convert(path, tracked)))
  }

  // ---- conversion -------------------------------------------------------------------------------------------

  private async convert(path: string, tracked: Tracked): Promise<void> {
    if (this.settings.queue.signal.aborted) return
    tracked.phase = 'converting'
    tracked.startedAt = Date.now()
    const pending = tracked.pendingOutput
    if (pending) {
      tracked.pendingOutput = undefined
      return this.finishConversion(path, tracked, pending.result, pending.record)
    }
    let document: OpenDocument | undefined
    try {
      await this.convertDocument(path, tracked, (opened) => {
        document = opened
      })
    } finally {
      await document?.handle.close().catch(() => {})
    }
  }

  /** Hash, check and upload from one open file (`keep` hands it over to be closed once everything is done). */
  private async convertDocument(
    path: string,
    tracked: Tracked,
    keep: (document: OpenDocument) => void,
  ): Promise<void> {
    let record = tracked.resume
    tracked.resume = undefined
    let sha256: string
    let document: OpenDocument | undefined
    if (record) sha256 = record.sha256
    else {
      try {
        const opened = await openDocument(this.settings.context, path)
        if ('kind' in opened) {
          if (opened.kind === 'changed') return this.backToSettling(path, tracked)
          this.tracked.delete(path)
          await this.fail(
            path,
            { kind: 'document', message: opened.reason, code: opened.code },
            { size: 0, mtimeMs: 0, ctimeMs: 0, sha256: '', attempts: 0 },
          )
          return this.finishTracking(path, tracked)
        }
        document = opened
        keep(opened)
        const hashed = await this.hashStill(opened, tracked)
        if (hashed === undefined) return this.backToSettling(path, tracked)
        sha256 = hashed
        record = this.settings.journal.get(path)
      } catch (error) {
        const failure = classifyError(error)
        if (failure.kind === 'vanished') return this.finishTracking(path, tracked)
        this.tracked.delete(path)
        await this.failUnreadable(path, failure, tracked, tracked.attempts)
        return this.finishTracking(path, tracked)
      }
    }

    const signature = signatureOf(tracked)
    let jobId: string | undefined
    const verdict = verdictByContent(record, this.settings.fingerprint, sha256)
    if (record && (verdict === 'unchanged' || verdict === 'failed')) {
      // The same content under a new signature: remember the signature, so the next look needs no hash.
      await this.writeTolerated(() =>
        this.settings.journal.set({ ...record, ...signature, updatedAt: new Date().toISOString() }),
      )
      if (verdict === 'unchanged') {
        this.settings.report.row(path, 'unchanged', outputPaths(this.settings.options.out, path).markdown)
      } else this.settings.report.row(path, 'failed', undefined, record.error?.message, record.error?.code)
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
        const adopted = jobId
        await this.writeTolerated(() =>
          this.settings.journal.set({
            ...record,
            status: 'submitted',
            jobId: adopted,
            updatedAt: new Date().toISOString(),
          }),
        )
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
    const source: UploadSource = {
      input: async () => {
        if (!document) {
          // A resumed job the server forgot: send the file again, opened (safely) now.
          const opened = await openDocument(this.settings.context, path)
          if ('kind' in opened) throw new SourceChanged(`${path} changed`)
          document = opened
          keep(opened)
          if (!sameSignature(signatureOf(opened.stats), base)) throw new SourceChanged(`${path} changed`)
        }
        return { data: handleBlob(document.handle, base.size), filename: uploadName(path) }
      },
    }
    let result: ConversionResult
    try {
      result = await submitAndWait(
        {
          client: this.settings.client,
          journal: this.settings.journal,
          display: this.settings.display,
          signal,
        },
        path,
        source,
        base,
        tracked,
        job,
      )
    } catch (error) {
      return this.conversionFailed(path, tracked, base, job.id, error)
    }
    if (document) {
      // Written to while it was uploaded: the result may not be of the content hashed; convert it again.
      const after = await document.handle.stat().catch(() => undefined)
      if (!after || !sameSignature(signatureOf(after), base)) tracked.dirty = true
    }
    const done: FileRecord = { ...base, status: 'done', jobId: job.id, attempts: tracked.attempts }
    delete done.error
    return this.finishConversion(path, tracked, result, done)
  }

  /** The sha256 of the open document, or `undefined` when it is not the file that held still, or moved. */
  private async hashStill(document: OpenDocument, expected: FileSignature): Promise<string | undefined> {
    if (!sameSignature(signatureOf(document.stats), expected)) return undefined
    const sha256 = await sha256OfHandle(document.handle, document.stats.size)
    const after = await document.handle.stat()
    return sameSignature(signatureOf(after), expected) ? sha256 : undefined
  }

  /** Write the outputs of a result in hand and record the document as done. */
  private async finishConversion(
    path: string,
    tracked: Tracked,
    result: ConversionResult,
    done: FileRecord,
  ): Promise<void> {
    const { options } = this.settings
    let markdown: string
    try {
      markdown = (await writeOutputs(options.out, path, result, options.reasoning)).markdown
      this.settings.journal.set({ ...done, updatedAt: new Date().toISOString() })
    } catch (error) {
      tracked.pendingOutput = { result, record: done }
      return this.conversionFailed(path, tracked, done, done.jobId, error)
    }
    this.settings.outputHealth.succeeded()
    tracked.outputAttempts = 0
    this.settings.report.converted(path, markdown)
    this.settings.display.log('info', 'converted', {
      path,
      jobId: done.jobId,
      output: relative(options.out, markdown),
      partial: result.partial || undefined,
      ms: Date.now() - (tracked.startedAt ?? Date.now()),
    })
    await this.afterSuccess(path, tracked, done)
    return this.finishTracking(path, tracked)
  }

  private async conversionFailed(
    path: string,
    tracked: Tracked,
    base: FileRecord,
    jobId: string | undefined,
    error: unknown,
  ): Promise<void> {
    const failure = classifyError(error)
    const signal = this.settings.queue.signal
    if (failure.kind === 'aborted' || signal.aborted) {
      this.settings.display.log('info', 'left for the next start', { path, jobId })
      return
    }
    if (error instanceof SourceChanged || failure.kind === 'vanished') {
      if (failure.kind === 'vanished') {
        this.settings.display.log('info', 'the file disappeared while it was converted', { path })
      }
      tracked.dirty = true
      return this.finishTracking(path, tracked)
    }
    if (failure.kind === 'refused') {
      // The key, not the document: the journal keeps the document as it is, for a start with the right key.
      this.tracked.delete(path)
      this.settings.onRefused(failure)
      return
    }
    if (failure.kind === 'output') return this.outputFailed(path, tracked, base, jobId, failure)
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
      return this.retryLater(path, tracked, delayMs)
    }
    await this.fail(
      path,
      { ...failure, jobId: failure.jobId ?? jobId },
      { ...base, attempts: tracked.attempts },
    )
    return this.finishTracking(path, tracked)
  }

  /**
   * The output folder (or the journal in it) cannot be written: the document is fine, and so is its job. Keep
   * the result (or the job) and try again with backoff, without counting it against the document; a `--once`
   * run gives up after `maxAttempts` tries and leaves the job to the next start.
   */
  private async outputFailed(
    path: string,
    tracked: Tracked,
    base: FileRecord,
    jobId: string | undefined,
    failure: Failure,
  ): Promise<void> {
    this.settings.outputHealth.failed(failure)
    tracked.outputAttempts++
    if (!tracked.pendingOutput && jobId) {
      tracked.resume = { ...base, status: 'submitted', jobId, attempts: tracked.attempts }
    }
    const { options } = this.settings
    if (options.once && tracked.outputAttempts >= options.maxAttempts) {
      const message = `cannot write to the output folder: ${failure.message}`
      this.settings.report.failed(path, undefined, message, failure.code)
      this.settings.display.log('error', 'failed: the output folder cannot be written', {
        path,
        jobId,
        error: failure.message,
        code: failure.code,
        retry: 'on the next start',
      })
      this.tracked.delete(path)
      return this.finishTracking(path, tracked)
    }
    const delayMs = Math.min(60_000, 1000 * 2 ** (tracked.outputAttempts - 1)) * (0.75 + Math.random() / 2)
    // Said once per document; the folder's own message already said what is wrong.
    const level = tracked.outputAttempts === 1 ? 'warn' : 'debug'
    this.settings.display.log(level, 'waiting for the output folder to be writable', {
      path,
      jobId,
      code: failure.code,
      retryInMs: Math.round(delayMs),
    })
    return this.retryLater(path, tracked, delayMs)
  }

  private retryLater(path: string, tracked: Tracked, delayMs: number): void {
    tracked.phase = 'waiting-retry'
    clearTimeout(tracked.timer)
    tracked.timer = setTimeout(() => {
      if (!this.settings.isStopping()) this.enqueue(path, tracked)
    }, delayMs)
  }

  private backToSettling(path: string, tracked: Tracked): void {
    tracked.phase = 'settling'
    tracked.dirty = false
    this.settleLater(path, tracked, CHANGED_RECHECK_MS)
  }

  private finishTracking(path: string, tracked: Tracked): void {
    if (this.tracked.get(path) === tracked) this.tracked.delete(path)
    // Changed while it was converted: look at the new content.
    if (tracked.dirty && !this.settings.isStopping()) void this.observe(path)
  }

  private async afterSuccess(path: string, tracked: Tracked, done: FileRecord): Promise<void> {
    const { onSuccess } = this.settings.options
    if (onSuccess === 'keep') return
    const absolute = inboxPath(this.settings.options.inbox, path)
    const now = await stat(absolute).catch(() => undefined)
    // Never move or delete a source that changed while it was converted.
    if (!now || !sameSignature(signatureOf(now), tracked) || tracked.dirty) return
    try {
      await disposeSource(onSuccess, absolute, this.settings.options.doneDir, path)
    } catch (error) {
      this.settings.display.log('warn', `could not ${onSuccess} the source`, {
        path,
        error: (error as Error).message,
      })
      return
    }
    await this.writeTolerated(() =>
      this.settings.journal.set({ ...done, sourceRemoved: true, updatedAt: new Date().toISOString() }),
    )
  }

  /**
   * A journal write whose failure costs at most some work later (a hash, a conversion done again): the output
   * folder is reported, and the run goes on.
   */
  private async writeTolerated(write: () => void): Promise<void> {
    try {
      write()
    } catch (error) {
      if (!(error instanceof OutputError)) throw error
      this.settings.outputHealth.failed(classifyError(error))
    }
  }

  private async fail(path: string, failure: Failure, source: FailedSource): Promise<void> {
    const when = new Date().toISOString()
    const { out } = this.settings.options
    const errorFile = outputPaths(out, path).error
    let written: string | undefined = errorFile
    try {
      await writeErrorFile(out, errorFile, path, failure, source.attempts, when)
    } catch (error) {
      written = undefined
      this.settings.outputHealth.failed(classifyError(error))
    }
    await this.writeTolerated(() =>
      this.settings.journal.set(failedRecord(path, failure, source, this.settings.fingerprint, when)),
    )
    this.settings.report.failed(path, written, failure.message, failure.code)
    this.settings.display.log('error', 'failed', {
      path,
      error: failure.message,
      code: failure.code,
      status: failure.status,
      jobId: failure.jobId,
      errorFile: written ? relative(out, written) : undefined,
    })
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
    const record = this.settings.journal.get(path)
    this.settings.report.forget(path)
    if (!record || record.sourceRemoved) return
    if (!this.settings.options.deleteOutputs) return
    try {
      await removeOutputs(this.settings.options.out, path)
    } catch (error) {
      this.settings.outputHealth.failed(classifyError(OutputError.wrap(error, this.settings.options.out)))
      return
    }
    await this.writeTolerated(() => this.settings.journal.delete(path))
    this.settings.display.log('info', 'source deleted; outputs removed', { path })
  }
}

function extensionOf(path: string): string {
  return extname(path).slice(1).toLowerCase()
}
