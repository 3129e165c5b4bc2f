import { mkdir, realpath, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { AuthenticationError } from '@numarkdown/core'
import { WatcherError } from '../../errors.js'
import type { ResolvedOptions } from '../../options.js'
import type { Display, Snapshot, Summary, Watcher } from '../../types.js'
import { AdoptableJobs } from '../conversion/adoptable-jobs.js'
import { type Backend, openBackend } from '../conversion/backend.js'
import type { Failure } from '../conversion/classify-error.js'
import { createFileFilter } from '../detection/file-filter.js'
import { InboxEvents } from '../detection/inbox-events.js'
import type { ScanContext } from '../detection/scanner.js'
import { Journal } from '../journal/journal.js'
import { optionsFingerprint } from '../journal/options-fingerprint.js'
import { removeStaleTemporaryFiles } from '../outputs/atomic-write.js'
import { OutputHealth } from '../outputs/output-health.js'
import { within } from '../path-containment.js'
import { settlesWithin } from './bounded-wait.js'
import { ConversionQueue } from './conversion-queue.js'
import { FilePipeline } from './file-pipeline.js'
import { OutcomeRecorder } from './outcome-recorder.js'
import { RunReport } from './run-report.js'

/** How long a stop waits for steps on files still running (after conversions were aborted) before closing. */
const SETTLE_AFTER_ABORT_MS = 5000

/**
 * One watcher run from start to stop: opens the journal and the backend, wires chokidar's hints, the
 * start-up scan and the periodic rescans to the file pipeline, ends a `--once` run when every file found has
 * reached its final state, and on stop lets conversions finish within the grace period, waits for every step
 * in progress, and only then closes the journal: nothing is written to it after that.
 */
export class WatchEngine implements Watcher {
  private readonly options: ResolvedOptions
  private readonly display: Display
  private readonly queue: ConversionQueue
  private readonly report = new RunReport()
  private pipeline!: FilePipeline
  private journal!: Journal
  private backend!: Backend
  private context!: ScanContext
  private events!: InboxEvents
  private rescanTimer: NodeJS.Timeout | undefined
  private scanning: Promise<void> | undefined
  private stopping: Promise<Summary> | undefined
  /** Set when the run cannot go on (the API key was refused): `finished` rejects with it. */
  private fatal: WatcherError | undefined
  private initialScanDone = false
  private readonly isStopping = (): boolean => this.stopping !== undefined
  readonly finished: Promise<Summary>
  private settleFinished!: { resolve(summary: Summary): void; reject(error: Error): void }

  constructor(options: ResolvedOptions, display: Display) {
    this.options = options
    this.display = display
    this.queue = new ConversionQueue(options.concurrency, () => this.checkOnceFinished())
    this.finished = new Promise((resolve, reject) => {
      this.settleFinished = { resolve, reject }
    })
    // Observed here so that a caller who only calls stop() gets no unhandled rejection.
    this.finished.catch(() => {})
  }

  // ---- start-up ---------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    const { options } = this
    const inboxStats = await stat(options.inbox).catch(() => undefined)
    if (!inboxStats?.isDirectory()) {
      throw new Error(
        `the inbox ${options.inbox} does not exist or is not a folder: create it, or name another`,
      )
    }
    try {
      await mkdir(options.out, { recursive: true })
      this.journal = Journal.open(options.state)
    } catch (error) {
      if ((error as Error).message.includes('in use by process')) throw error
      throw new Error(
        `cannot write the state journal ${options.state} (in the output folder ${options.out}, unless --state says otherwise): ${(error as Error).message}`,
        { cause: error },
      )
    }
    let adoptable: AdoptableJobs
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
        onPath: (path) => void this.pipeline.observe(path),
        onWatching: () => this.rescanAfterCurrent(),
        isStopping: this.isStopping,
      })
      this.backend = await openBackend(options, this.display)
      try {
        adoptable = await AdoptableJobs.load({
          client: this.backend.client,
          records: this.journal.all(),
          signal: this.queue.signal,
          display: this.display,
        })
      } catch (error) {
        await this.backend.close().catch(() => {})
        throw AuthenticationError.isInstance(error) ? this.refusal(error.message, error) : error
      }
    } catch (error) {
      this.journal.close()
      throw error
    }
    const fingerprint = optionsFingerprint(options)
    const outputHealth = new OutputHealth(this.display, options.out)
    this.pipeline = new FilePipeline({
      options,
      display: this.display,
      fingerprint,
      context: this.context,
      journal: this.journal,
      client: this.backend.client,
      queue: this.queue,
      adoptable,
      outputHealth,
      recorder: new OutcomeRecorder({
        options,
        display: this.display,
        journal: this.journal,
        report: this.report,
        outputHealth,
        fingerprint,
      }),
      isStopping: this.isStopping,
      onChange: () => this.checkOnceFinished(),
      onRefused: (failure) => this.refused(failure),
    })
    const resumable = this.journal.all().filter((record) => record.status === 'submitted').length
    const pollingInterval = options.once ? undefined : this.events.pollingInterval()
    this.display.log('info', options.once ? 'processing the inbox once' : 'watching', {
      inbox: options.inbox,
      out: options.out,
      state: options.state,
      known: this.journal.all().length,
      resumable,
      ...(options.once ? {} : { events: pollingInterval ? `polling every ${pollingInterval} ms` : 'native' }),
    })
    this.display.watch(() => this.snapshot())
    if (!options.once) this.events.start(pollingInterval, inboxStats, Math.min(1000, options.rescanMs))
    this.track(
      this.pipeline.rescan().finally(() => {
        this.initialScanDone = true
        this.checkOnceFinished()
      }),
    )
    if (!options.once) {
      this.rescanTimer = setInterval(() => this.rescanUnlessRunning(), options.rescanMs)
    }
  }

  // ---- a refused API key ------------------------------------------------------------------------------------

  private refusal(reason: string, cause: unknown): WatcherError {
    const baseUrl = this.backend.client.baseUrl.replace(/\/+$/, '')
    return new WatcherError(`NUMIND_API_KEY was refused by ${baseUrl}: ${reason}`, {
      code: 'API_KEY_REFUSED',
      cause,
    })
  }

  /** The first 401 stops the run with one message; documents stay as they are, for a start with the right key. */
  private refused(failure: Failure): void {
    if (this.fatal) return
    this.fatal = this.refusal(failure.message, failure)
    this.display.log('error', this.fatal.message, {
      hint: 'set the right key and start again: documents not converted yet are picked up then',
    })
    void this.stop('the API key was refused')
  }

  // ---- detection --------------------------------------------------------------------------------------------

  private rescanUnlessRunning(): void {
    if (!this.scanning) this.track(this.pipeline.rescan())
  }

  /** A scan that must see the folder as it is now: after the one running, if any, has finished. */
  private rescanAfterCurrent(): void {
    const running = this.scanning ?? Promise.resolve()
    this.track(running.then(() => (this.isStopping() ? undefined : this.pipeline.rescan())))
  }

  /** Remembers the scan in progress; a failed scan is logged, and the next rescan tries again. */
  private track(scan: Promise<void>): void {
    const tracked: Promise<void> = scan
      .catch((error: unknown) =>
        this.display.log('warn', 'scanning the inbox failed; the next rescan tries again', {
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => {
        if (this.scanning === tracked) this.scanning = undefined
      })
    this.scanning = tracked
  }

  // ---- stopping ---------------------------------------------------------------------------------------------

  private checkOnceFinished(): void {
    if (!this.options.once || !this.initialScanDone || this.stopping) return
    if (this.pipeline.busy || this.queue.busy) return
    void this.stop('done')
  }

  snapshot(): Snapshot {
    return this.report.snapshot(this.pipeline.files)
  }

  stop(reason = 'stopped'): Promise<Summary> {
    if (!this.stopping) {
      // Set before doStop runs: its synchronous part may call back into checkOnceFinished.
      let resolveStopping!: (summary: Summary) => void
      this.stopping = new Promise((resolve) => {
        resolveStopping = resolve
      })
      void this.doStop(reason).then((summary) => {
        resolveStopping(summary)
        if (this.fatal) this.settleFinished.reject(this.fatal)
        else this.settleFinished.resolve(summary)
      })
    }
    return this.stopping
  }

  private async doStop(reason: string): Promise<Summary> {
    // With the key refused, nothing in flight can succeed: no grace period.
    const graceMs = this.fatal ? 0 : this.options.graceMs
    // A refused key was told in one message; what is cut short by it needs no more words.
    if (reason !== 'done' && !this.fatal) {
      this.display.log('info', 'stopping: finishing conversions in flight', {
        reason,
        inFlight: this.queue.running,
        graceMs,
      })
    }
    clearInterval(this.rescanTimer)
    this.pipeline.clearTimers()
    this.queue.clear()
    await this.events.close()
    await this.queue.drain(graceMs, this.fatal ? undefined : this.display)
    // Steps still running (a failure being reported, a scan) end before the journal closes.
    const settled = await settlesWithin(
      Promise.all([this.pipeline.idle(), this.scanning]),
      SETTLE_AFTER_ABORT_MS,
    )
    if (!settled) {
      this.display.log(
        'warn',
        'some files were still being handled at shutdown; they are looked at on the next start',
      )
    }
    this.pipeline.clearTimers()
    try {
      this.journal.close()
    } catch (error) {
      this.display.log(
        'warn',
        'could not compact the state journal; it is complete and is compacted on the next start',
        {
          error: (error as Error).message,
        },
      )
    }
    await this.backend.close().catch(() => {})
    const summary = this.report.summary()
    this.display.log('info', 'stopped', {
      converted: summary.converted,
      unchanged: summary.unchanged,
      failed: summary.failed,
    })
    return summary
  }
}
