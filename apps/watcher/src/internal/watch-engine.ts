import { mkdir, realpath, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Display, Snapshot } from '../display.js'
import type { ResolvedOptions } from '../options.js'
import type { Summary, Watcher } from '../watcher.js'
import { AdoptableJobs } from './adoptable-jobs.js'
import { removeStaleTemporaryFiles } from './atomic-write.js'
import { type Backend, openBackend } from './backend.js'
import { ConversionQueue } from './conversion-queue.js'
import { createFileFilter } from './file-filter.js'
import { FilePipeline } from './file-pipeline.js'
import { InboxEvents } from './inbox-events.js'
import { optionsFingerprint } from './options-fingerprint.js'
import { within } from './path-containment.js'
import { RunReport } from './run-report.js'
import type { ScanContext } from './scanner.js'
import { StateStore } from './state-store.js'

/**
 * One watcher run from start to stop: opens the journal and the backend, wires chokidar's hints, the
 * start-up scan and the periodic rescans to the file pipeline, ends a `--once` run when nothing is left, and
 * on stop lets conversions finish within the grace period before saving the journal.
 */
export class WatchEngine implements Watcher {
  private readonly options: ResolvedOptions
  private readonly display: Display
  private readonly queue: ConversionQueue
  private readonly report = new RunReport()
  private pipeline!: FilePipeline
  private store!: StateStore
  private backend!: Backend
  private context!: ScanContext
  private events!: InboxEvents
  private rescanTimer: NodeJS.Timeout | undefined
  private scanning: Promise<void> | undefined
  private stopping: Promise<Summary> | undefined
  private resolveFinished!: (summary: Summary) => void
  private initialScanDone = false
  private readonly isStopping = (): boolean => this.stopping !== undefined
  readonly finished: Promise<Summary>

  constructor(options: ResolvedOptions, display: Display) {
    this.options = options
    this.display = display
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
        onPath: (path) => void this.pipeline.observe(path),
        onWatching: () => this.rescanAfterCurrent(),
        isStopping: this.isStopping,
      })
      this.backend = await openBackend(options, this.display)
    } catch (error) {
      this.store.close()
      throw error
    }
    this.pipeline = new FilePipeline({
      options,
      display: this.display,
      fingerprint: optionsFingerprint(options),
      context: this.context,
      store: this.store,
      client: this.backend.client,
      queue: this.queue,
      report: this.report,
      adoptable: await AdoptableJobs.load(
        this.backend.client,
        this.store.all(),
        this.queue.signal,
        this.display,
      ),
      isStopping: this.isStopping,
      onChange: () => this.checkOnceFinished(),
    })
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
    this.pipeline.clearTimers()
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
