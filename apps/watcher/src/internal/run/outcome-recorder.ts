/**
 * Where what happened to a document is recorded, once: its journal record, its row in the run report and its
 * log line are written together here (with the outputs or the error file that go with them), so that the
 * three never tell different stories and no step of the pipeline records an outcome on its own.
 */
import { relative } from 'node:path'
import type { ResolvedOptions } from '../../options.js'
import type { Display } from '../../types.js'
import { classifyError, type Failure } from '../conversion/classify-error.js'
import { type FileSignature, signatureOf } from '../detection/file-signature.js'
import type { FileRecord } from '../journal/journal.js'
import type { JournalStore } from '../journal/journal-store.js'
import { OutputError } from '../outputs/output-error.js'
import { removeOutputs, writeOutputs } from '../outputs/output-files.js'
import type { OutputHealth } from '../outputs/output-health.js'
import { outputPaths } from '../outputs/output-paths.js'
import { describeFailedPages, failedPageSpec } from './failed-pages.js'
import { type FailedSource, failedRecord, writeErrorFile } from './failure-report.js'
import type { RunReport } from './run-report.js'
import type { ResultInHand } from './tracked.js'

export interface OutcomeRecorderSettings {
  options: Pick<ResolvedOptions, 'out' | 'reasoning' | 'deleteOutputs'>
  display: Display
  journal: JournalStore
  report: RunReport
  outputHealth: OutputHealth
  /** Of the options that shape an output: see `optionsFingerprint`. */
  fingerprint: string
}

/** Why a document cannot be converted as it is, as the checks say it. */
export interface Rejection {
  reason: string
  /** `EMPTY`, `INVALID`, `OUTSIDE_INBOX`, `NOT_A_FILE`, `ELOOP`... */
  code: string
}

/** The signature of a source that could not be read at all. */
const unread: FileSignature = { size: 0, mtimeMs: 0, ctimeMs: 0 }

export class OutcomeRecorder {
  readonly #settings: OutcomeRecorderSettings

  constructor(settings: OutcomeRecorderSettings) {
    this.#settings = settings
  }

  /**
   * Write the outputs of a result in hand and record the document as done. Throws, having recorded nothing,
   * when the outputs or the journal cannot be written: the result is kept for another try.
   */
  async converted(
    path: string,
    { result, record }: ResultInHand,
    startedAt: number = Date.now(),
  ): Promise<void> {
    const { options, journal, report, display } = this.#settings
    const { markdown } = await writeOutputs({ out: options.out, path, result, reasoning: options.reasoning })
    await journal.set({ ...record, updatedAt: new Date().toISOString() })
    this.#settings.outputHealth.succeeded()
    const failed = failedPagesOf(record)
    report.converted(path, markdown, failed)
    // Pages skipped are a warning: the output is written, but it is not the whole document.
    display.log(failed ? 'warn' : 'info', failed ? `converted; ${failed.message}` : 'converted', {
      path,
      jobId: record.jobId,
      output: relative(options.out, markdown),
      partial: result.partial || undefined,
      ...(failed ? { failedPages: failed.pages } : {}),
      ms: Date.now() - startedAt,
    })
  }

  /**
   * The journal already holds the outcome of this content: done (unchanged in this run) or failed for good.
   * `seenAs`: the same content found under a new signature, remembered so that the next look needs no hash.
   */
  async known(path: string, record: FileRecord, seenAs?: FileSignature): Promise<void> {
    const { options, journal, report } = this.#settings
    if (seenAs) {
      await this.#writeTolerated(() =>
        journal.set({ ...record, ...seenAs, updatedAt: new Date().toISOString() }),
      )
    }
    if (record.status === 'done') {
      const failed = failedPagesOf(record)
      report.row({
        path,
        outcome: 'unchanged',
        output: outputPaths(options.out, path).markdown,
        ...(failed ? { failedPages: failed.pages, error: failed.message } : {}),
      })
    } else report.row({ path, outcome: 'failed', error: record.error?.message, code: record.error?.code })
  }

  /**
   * A failure for good (until the file changes, or the next start for one the service caused): the error file
   * written, the journal and the report told, the failure logged.
   */
  async failed(path: string, failure: Failure, source: FailedSource): Promise<void> {
    const { options, journal, report, display, fingerprint } = this.#settings
    const when = new Date().toISOString()
    const failureReport = { path, failure, source, fingerprint, when }
    const errorFile = outputPaths(options.out, path).error
    let written: string | undefined = errorFile
    try {
      await writeErrorFile(failureReport, { out: options.out, file: errorFile })
    } catch (error) {
      written = undefined
      this.#settings.outputHealth.failed(classifyError(error))
    }
    await this.#writeTolerated(() => journal.set(failedRecord(failureReport)))
    report.failed({ path, errorFile: written, message: failure.message, code: failure.code })
    display.log('error', 'failed', {
      path,
      error: failure.message,
      code: failure.code,
      status: failure.status,
      jobId: failure.jobId,
      errorFile: written ? relative(options.out, written) : undefined,
    })
  }

  /**
   * A document that can never be converted as it is (empty, not its format, a link out of the inbox...):
   * failed, and tried again once it changes. `signature`: of the file checked, when it could be read.
   */
  rejected(path: string, rejection: Rejection, signature: FileSignature = unread): Promise<void> {
    return this.failed(
      path,
      { kind: 'document', message: rejection.reason, code: rejection.code },
      { ...signatureOf(signature), sha256: '', attempts: 0 },
    )
  }

  /** The source could not be read: a document failure, tried again once the file changes. */
  unreadable(
    path: string,
    failure: Failure,
    source: { signature: FileSignature; attempts: number },
  ): Promise<void> {
    return this.failed(
      path,
      { ...failure, kind: 'document', message: `cannot read the file: ${failure.message}` },
      { ...signatureOf(source.signature), sha256: '', attempts: source.attempts },
    )
  }

  /**
   * The output folder could not be written for as many tries as a `--once` run makes: failed in this run;
   * the journal keeps the document as it is, and its job for the next start.
   */
  outputAbandoned(path: string, failure: Failure, jobId: string | undefined): void {
    this.#settings.report.failed({
      path,
      message: `cannot write to the output folder: ${failure.message}`,
      code: failure.code,
    })
    this.#settings.display.log('error', 'failed: the output folder cannot be written', {
      path,
      jobId,
      error: failure.message,
      code: failure.code,
      retry: 'on the next start',
    })
  }

  /** A step failed in a way it did not expect: failed in this run, and looked at again on the next scan. */
  unexpected(path: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error)
    this.#settings.report.failed({ path, message: `unexpected error: ${message}`, code: 'INTERNAL' })
    this.#settings.display.log('error', 'unexpected error; the file is looked at again on the next scan', {
      path,
      error: message,
      stack: error instanceof Error ? error.stack : undefined,
    })
  }

  /** The job of a submit a crash cut short, found on the server: waited for, not submitted again. */
  async adopted(path: string, record: FileRecord, jobId: string): Promise<void> {
    await this.#writeTolerated(() =>
      this.#settings.journal.set({
        ...record,
        status: 'submitted',
        jobId,
        updatedAt: new Date().toISOString(),
      }),
    )
    this.#settings.display.log('info', 'adopted the job a crash interrupted', { path, jobId })
  }

  /** The source was moved or deleted after its conversion, as `--on-success` asks. */
  async sourceDisposed(record: FileRecord): Promise<void> {
    await this.#writeTolerated(() =>
      this.#settings.journal.set({ ...record, sourceRemoved: true, updatedAt: new Date().toISOString() }),
    )
  }

  /**
   * The source is gone: it leaves the summary; with `--delete-outputs`, its outputs and its journal record go
   * too (unless the watcher itself moved or deleted it after success).
   */
  async removed(path: string): Promise<void> {
    const { options, journal, report, display } = this.#settings
    const record = await journal.get(path)
    report.forget(path)
    if (!record || record.sourceRemoved) return
    if (!options.deleteOutputs) return
    try {
      await removeOutputs(options.out, path)
    } catch (error) {
      this.#settings.outputHealth.failed(classifyError(OutputError.wrap(error, options.out)))
      return
    }
    await this.#writeTolerated(() => journal.delete(path))
    display.log('info', 'source deleted; outputs removed', { path })
  }

  /**
   * A journal write whose failure costs at most some work later (a hash, a conversion done again): the output
   * folder is reported, and the run goes on.
   */
  async #writeTolerated(write: () => unknown): Promise<void> {
    try {
      await write()
    } catch (error) {
      if (!(error instanceof OutputError)) throw error
      this.#settings.outputHealth.failed(classifyError(error))
    }
  }
}

/** The pages a done document's output marks as failed (`onPageError: 'skip'`), named; none: `undefined`. */
function failedPagesOf(record: FileRecord): { pages: string; message: string } | undefined {
  const ranges = record.failedPages ?? []
  if (ranges.length === 0) return undefined
  return { pages: failedPageSpec(ranges), message: describeFailedPages(ranges) }
}
