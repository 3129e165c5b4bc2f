/**
 * The folder watcher: chokidar and a periodic rescan find documents, the app's own stability and
 * completeness checks decide when a document is whole, a journal remembers what was converted, and
 * outputs appear atomically under `out`.
 */
import { createHash } from 'node:crypto'
import { mkdir, realpath, rm, stat } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { NotFoundError } from '@numarkdown/core'
import PQueue from 'p-queue'
import { createDisplay, type Display, type Snapshot } from './display.js'
import { AdoptableJobs } from './internal/adoptable-jobs.js'
import { removeStaleTemporaryFiles, writeFileAtomic } from './internal/atomic-write.js'
import { type Backend, openBackend } from './internal/backend.js'
import { classifyError, type Failure } from './internal/classify-error.js'
import { checkComplete } from './internal/completeness.js'
import { type FailedSource, failedRecord, writeErrorFile } from './internal/failure-report.js'
import { createFileFilter } from './internal/file-filter.js'
import { type FileSignature, sameSignature, signatureOf } from './internal/file-signature.js'
import { InboxEvents } from './internal/inbox-events.js'
import { outputPaths } from './internal/output-paths.js'
import { within } from './internal/path-containment.js'
import { type Inspection, inspect, type ScanContext, scan } from './internal/scanner.js'
import { disposeSource } from './internal/source-disposal.js'
import { type FileRecord, StateStore } from './internal/state-store.js'
import { sha256Of, uploadName } from './internal/upload-identity.js'
import { type ResolvedOptions, resolveOptions, type WatcherOptions } from './options.js'

/** How one document ended in this run. */
export type Outcome = 'converted' | 'unchanged' | 'failed'

/** One row of the `--once` summary. */
export interface SummaryRow {
  path: string
  outcome: Outcome
  /** The markdown written, or the error file. */
  output?: string
  error?: string
}

/** What a run did. */
export interface Summary {
  rows: SummaryRow[]
  converted: number
  unchanged: number
  failed: number
}

/** A running watcher. */
export interface Watcher {
  /** Resolves once the watcher has stopped (`--once`: when everything was processed). */
  readonly finished: Promise<Summary>
  /** Stop taking files, let in-flight conversions finish within the grace period, save the state. */
  stop(reason?: string): Promise<Summary>
  /** Counts and current files, as the live view shows them. */
  snapshot(): Snapshot
}

/** Options only a program embedding the watcher needs. */
export interface WatcherHooks {
  /** Where logs and the live view go. @default a display on stdout in the `log` format */
  display?: Display
}

type Phase = 'settling' | 'queued' | 'converting' | 'waiting-retry'

interface Tracked extends FileSignature {
  phase: Phase
  /** When this signature was first seen. */
  since: number
  /** When the file was first found stable but incomplete. */
  incompleteSince?: number
  timer?: NodeJS.Timeout
  /** Seen changing while queued or converting: look again afterwards. */
  dirty: boolean
  /** Jobs resumed from the journal skip the stability wait. */
  resume?: FileRecord
  attempts: number
  startedAt?: number
  jobId?: string
}

const OPTIONS_VERSION = 1

/**
 * Start watching. Resolves once the backend is up and the start-up scan has begun; `finished` resolves
 * when the watcher stops.
 *
 * @example
 * ```ts
 * const watcher = await createWatcher({ inbox: './inbox', out: './markdown' })
 * process.on('SIGINT', () => watcher.stop())
 * await watcher.finished
 * ```
 */
export async function createWatcher(input: WatcherOptions, hooks: WatcherHooks = {}): Promise<Watcher> {
  const options = resolveOptions(input, process.stdout.isTTY === true)
  const display = hooks.display ?? createDisplay({ format: options.log, secrets: [options.apiKey] })
  const engine = new WatchEngine(options, display)
  await engine.start()
  return engine
}

class WatchEngine implements Watcher {
  private readonly options: ResolvedOptions
  private readonly display: Display
  private readonly fingerprint: string
  private readonly queue: PQueue
  private readonly tracked = new Map<string, Tracked>()
  private readonly rows = new Map<string, SummaryRow>()
  private readonly recentErrors: Array<{ path: string; message: string }> = []
  private readonly shutdown = new AbortController()
  private readonly inFlight = new Set<Promise<void>>()
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
  private startedAt = Date.now()
  private counts = { done: 0, failed: 0 }
  private initialScanDone = false
  readonly finished: Promise<Summary>

  constructor(options: ResolvedOptions, display: Display) {
    this.options = options
    this.display = display
    this.fingerprint = createHash('sha256')
      .update(JSON.stringify({ version: OPTIONS_VERSION, reasoning: options.reasoning }))
      .digest('hex')
      .slice(0, 16)
    this.queue = new PQueue({ concurrency: options.concurrency })
    this.queue.on('next', () => this.checkOnceFinished())
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
      this.shutdown.signal,
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
        this.row(path, 'failed', undefined, record.error.message)
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
      if (!sameSignature(tracked, signature)) {
        Object.assign(tracked, signature, { since: now, incompleteSince: undefined })
        this.settleLater(path, tracked, this.options.stabilityMs)
        return
      }
      if (now - tracked.since < this.options.stabilityMs) {
        this.settleLater(path, tracked, tracked.since + this.options.stabilityMs - now)
        return
      }
      await this.settled(path, tracked)
      return
    }

    const record = this.store.get(path)
    if (record && record.options === this.fingerprint && sameSignature(record, signature)) {
      if (record.status === 'done') {
        this.row(path, 'unchanged', outputPaths(this.options.out, path).markdown)
        return
      }
      if (
        record.status === 'failed' &&
        (record.error?.kind !== 'service' || this.retriedServiceFailures.has(path))
      ) {
        this.row(path, 'failed', undefined, record.error?.message)
        return
      }
      if (record.status === 'submitted' && record.jobId) {
        // Found already whole before the restart: resume waiting at once.
        const entry: Tracked = {
          phase: 'settling',
          ...signature,
          since: now,
          dirty: false,
          attempts: 0,
          resume: record,
        }
        this.tracked.set(path, entry)
        this.enqueue(path, entry)
        return
      }
    }
    const entry: Tracked = { phase: 'settling', ...signature, since: now, dirty: false, attempts: 0 }
    this.tracked.set(path, entry)
    this.settleLater(path, entry, this.options.stabilityMs)
  }

  private settleLater(path: string, tracked: Tracked, delayMs: number): void {
    clearTimeout(tracked.timer)
    tracked.timer = setTimeout(() => void this.observe(path), Math.max(delayMs, 10))
  }

  /** Size and mtime held still long enough: check the format's end marker, then queue it. */
  private async settled(path: string, tracked: Tracked): Promise<void> {
    const absolute = join(this.options.inbox, ...path.split('/'))
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
      // Still being written, or cut off for good: wait a while longer before calling it broken.
      const graceMs = Math.max(this.options.stabilityMs * 5, 1000)
      tracked.incompleteSince ??= Date.now()
      if (Date.now() - tracked.incompleteSince < graceMs) {
        this.settleLater(path, tracked, Math.max(this.options.stabilityMs, 250))
        return
      }
      this.tracked.delete(path)
      await this.fail(
        path,
        { kind: 'document', message: incomplete, code: 'INCOMPLETE' },
        {
          ...tracked,
          sha256: '',
          attempts: 0,
        },
      )
      return
    }
    this.enqueue(path, tracked)
  }

  private enqueue(path: string, tracked: Tracked): void {
    tracked.phase = 'queued'
    clearTimeout(tracked.timer)
    const task = this.queue
      .add(() => this.convert(path, tracked), { signal: this.shutdown.signal })
      .catch(() => {})
    const settled = task.finally(() => this.inFlight.delete(settled))
    this.inFlight.add(settled)
  }

  // ---- conversion -------------------------------------------------------------------------------------------

  private async convert(path: string, tracked: Tracked): Promise<void> {
    if (this.shutdown.signal.aborted) return
    tracked.phase = 'converting'
    tracked.startedAt = Date.now()
    const absolute = join(this.options.inbox, ...path.split('/'))
    let record = tracked.resume
    tracked.resume = undefined
    let sha256: string
    try {
      if (record) sha256 = record.sha256
      else {
        const before = signatureOf(await stat(absolute))
        sha256 = await sha256Of(absolute)
        const after = signatureOf(await stat(absolute))
        if (!sameSignature(before, after) || !sameSignature(before, tracked)) {
          return this.backToSettling(path, tracked)
        }
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
    if (record && record.sha256 === sha256 && record.options === this.fingerprint) {
      if (record.status === 'done') {
        this.store.set({ ...record, ...signature, updatedAt: new Date().toISOString() })
        this.row(path, 'unchanged', outputPaths(this.options.out, path).markdown)
        return this.finishTracking(path, tracked)
      }
      if (record.status === 'failed' && record.error?.kind === 'document') {
        this.store.set({ ...record, ...signature, updatedAt: new Date().toISOString() })
        this.row(path, 'failed', undefined, record.error.message)
        return this.finishTracking(path, tracked)
      }
      if (record.status === 'submitted') jobId = record.jobId
      if (record.status === 'pending') {
        jobId = this.adoptable.take(uploadName(path), record.size, sha256, Date.parse(record.updatedAt))
        if (jobId) {
          this.store.set({ ...record, status: 'submitted', jobId, updatedAt: new Date().toISOString() })
          this.display.log('info', 'adopted the job a crash interrupted', { path, jobId })
        }
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
    const { client } = this.backend
    const signal = this.shutdown.signal
    try {
      let result: Awaited<ReturnType<typeof client.wait>> | undefined
      while (!result) {
        if (!jobId) {
          this.store.set({ ...base, status: 'pending' })
          tracked.attempts++
          const submitted = await client.submit({ data: absolute, filename: uploadName(path) }, { signal })
          jobId = submitted.jobId
          // Saved (fsynced) before waiting: a crash from here on resumes this job instead of submitting again.
          this.store.set({ ...base, status: 'submitted', jobId, attempts: tracked.attempts })
          this.display.log('info', 'submitted', { path, jobId })
        } else {
          this.display.log('info', 'resuming', { path, jobId })
        }
        tracked.jobId = jobId
        try {
          result = await client.wait(jobId, { signal, cancelOnAbort: false })
        } catch (error) {
          if (NotFoundError.isInstance(error) && !signal.aborted) {
            this.display.log('info', 'the server no longer knows the job; submitting again', { path, jobId })
            jobId = undefined
            continue
          }
          throw error
        }
      }
      const paths = outputPaths(this.options.out, path)
      await writeFileAtomic(this.options.out, paths.markdown, result.markdown)
      if (this.options.reasoning) await writeFileAtomic(this.options.out, paths.reasoning, result.reasoning)
      await rm(paths.error, { force: true })
      const done: FileRecord = { ...base, status: 'done', jobId, attempts: tracked.attempts }
      delete done.error
      this.store.set(done)
      this.counts.done++
      this.row(path, 'converted', paths.markdown)
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
        const delayMs =
          failure.retryAfterMs ?? Math.min(60_000, 1000 * 2 ** (tracked.attempts - 1)) * (0.5 + Math.random())
        this.display.log('warn', 'conversion failed; retrying', {
          path,
          jobId,
          error: failure.message,
          attempt: tracked.attempts,
          retryInMs: Math.round(delayMs),
        })
        // A job that exists is waited for again rather than submitted again.
        if (jobId && !(failure.status !== undefined && failure.status >= 400 && failure.status < 500)) {
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
    this.counts.failed++
    this.recentErrors.push({ path, message: failure.message })
    if (this.recentErrors.length > 20) this.recentErrors.shift()
    this.row(path, 'failed', errorFile, failure.message)
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
    this.rows.delete(path)
    if (!record || record.sourceRemoved) return
    if (!this.options.deleteOutputs) return
    const paths = outputPaths(this.options.out, path)
    await Promise.all([paths.markdown, paths.reasoning, paths.error].map((file) => rm(file, { force: true })))
    this.store.delete(path)
    this.display.log('info', 'source deleted; outputs removed', { path })
  }

  private row(path: string, outcome: Outcome, output?: string, error?: string): void {
    // A rescan sees a document converted earlier in this run as unchanged: it still counts as converted.
    if (outcome === 'unchanged' && this.rows.get(path)?.outcome === 'converted') return
    this.rows.set(path, { path, outcome, ...(output ? { output } : {}), ...(error ? { error } : {}) })
  }

  // ---- stopping ---------------------------------------------------------------------------------------------

  private checkOnceFinished(): void {
    if (!this.options.once || !this.initialScanDone || this.stopping) return
    if (this.tracked.size > 0 || this.queue.size > 0 || this.queue.pending > 0) return
    void this.stop('done')
  }

  snapshot(): Snapshot {
    const phases = { settling: 0, queued: 0, converting: 0 }
    const current: Snapshot['current'] = []
    for (const [path, tracked] of this.tracked) {
      if (tracked.phase === 'converting') {
        phases.converting++
        current.push({ path, since: tracked.startedAt ?? Date.now(), jobId: tracked.jobId })
      } else if (tracked.phase === 'settling') phases.settling++
      else phases.queued++
    }
    return { ...phases, ...this.counts, current, errors: [...this.recentErrors], startedAt: this.startedAt }
  }

  summary(): Summary {
    const rows = [...this.rows.values()].sort((a, b) => a.path.localeCompare(b.path))
    return {
      rows,
      converted: rows.filter((row) => row.outcome === 'converted').length,
      unchanged: rows.filter((row) => row.outcome === 'unchanged').length,
      failed: rows.filter((row) => row.outcome === 'failed').length,
    }
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
        inFlight: this.queue.pending,
        graceMs: this.options.graceMs,
      })
    }
    clearInterval(this.rescanTimer)
    for (const tracked of this.tracked.values()) {
      if (tracked.phase === 'settling' || tracked.phase === 'waiting-retry') clearTimeout(tracked.timer)
    }
    this.queue.clear()
    await this.events.close()
    const idle = this.queue.onIdle()
    const grace = sleep(this.options.graceMs, undefined, { ref: false })
    await Promise.race([idle, grace])
    if (this.queue.pending > 0) {
      this.display.log('warn', 'grace period over: remote jobs still running are resumed on the next start', {
        inFlight: this.queue.pending,
      })
    }
    this.shutdown.abort()
    await Promise.race([Promise.allSettled([...this.inFlight]), sleep(5000, undefined, { ref: false })])
    this.store.close()
    await this.backend.close().catch(() => {})
    const summary = this.summary()
    this.display.log('info', 'stopped', {
      converted: summary.converted,
      unchanged: summary.unchanged,
      failed: summary.failed,
    })
    this.resolveFinished(summary)
    return summary
  }
}

/** The `--once` summary table. */
export function formatSummary(summary: Summary, out: string): string {
  const lines = summary.rows.map((row) => {
    const where = row.outcome === 'failed' ? (row.error ?? '') : row.output ? relative(out, row.output) : ''
    return [row.outcome, JSON.stringify(row.path).slice(1, -1), where]
  })
  const header = ['outcome', 'document', 'output or error']
  const widths = header.map((title, column) =>
    Math.min(60, Math.max(title.length, ...lines.map((line) => line[column]!.length))),
  )
  const format = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd()
  return [
    format(header),
    format(widths.map((width) => '-'.repeat(width))),
    ...lines.map(format),
    '',
    `${summary.converted} converted, ${summary.unchanged} unchanged, ${summary.failed} failed`,
    '',
  ].join('\n')
}
