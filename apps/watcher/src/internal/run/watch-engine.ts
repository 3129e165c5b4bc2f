import { mkdir, realpath, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { AuthenticationError, RateLimitError } from '@numarkdown/core'
import { WatcherError } from '../../errors.js'
import { type ResolvedOptions, redactUrl } from '../../options.js'
import type { Display, Snapshot, Summary, Watcher } from '../../types.js'
// Types only: the cluster's modules (BullMQ, ioredis: half a second to load) are loaded when --queue is given.
import type { ClusterQueue } from '../cluster/cluster-queue.js'
import type { QueuedConversions } from '../cluster/queued-conversions.js'
import { AdoptableJobs } from '../conversion/adoptable-jobs.js'
import { type Backend, openBackend } from '../conversion/backend.js'
import type { Failure } from '../conversion/classify-error.js'
import { loadFormatDetector } from '../detection/document-check.js'
import { createFileFilter } from '../detection/file-filter.js'
import { InboxEvents } from '../detection/inbox-events.js'
import { fileSystemTypeOf, needsPolling } from '../detection/mounts.js'
import type { ScanContext } from '../detection/scanner.js'
import { Journal } from '../journal/journal.js'
import type { JournalStore } from '../journal/journal-store.js'
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
const settleAfterAbortMs = 5000

/** Cluster mode, `--once`: how often the queue is asked whether the cluster has finished. */
const onceCheckMs = 250

/** Cluster mode: a temp file of an output write younger than this may be another instance's write in progress. */
const sharedTemporaryMinAgeMs = 60_000

/**
 * One watcher run from start to stop: opens the journal and the backend, wires chokidar's hints, the
 * start-up scan and the periodic rescans to the file pipeline, ends a `--once` run when every file found has
 * reached its final state, and on stop lets conversions finish within the grace period, waits for every step
 * in progress, and only then closes the journal: nothing is written to it after that.
 */
export class WatchEngine implements Watcher {
  readonly #options: ResolvedOptions
  readonly #display: Display
  readonly #queue: ConversionQueue
  readonly #report = new RunReport()
  #pipeline!: FilePipeline
  #journal!: JournalStore
  /** Cluster mode (`--queue`): the shared queue, and this instance's conversions of its jobs. */
  #cluster: ClusterQueue | undefined
  #conversions: QueuedConversions | undefined
  #onceTimer: NodeJS.Timeout | undefined
  #onceChecking = false
  #backend!: Backend
  #context!: ScanContext
  #events!: InboxEvents
  #rescanTimer: NodeJS.Timeout | undefined
  #scanning: Promise<void> | undefined
  #stopping: Promise<Summary> | undefined
  /** Set when the run cannot go on (the API key was refused): `finished` rejects with it. */
  #fatal: WatcherError | undefined
  #initialScanDone = false
  readonly #isStopping = (): boolean => this.#stopping !== undefined
  readonly finished: Promise<Summary>
  #settleFinished!: { resolve(summary: Summary): void; reject(error: Error): void }

  constructor(options: ResolvedOptions, display: Display) {
    this.#options = options
    this.#display = display
    this.#queue = new ConversionQueue(options.concurrency, () => this.#checkOnceFinished())
    this.finished = new Promise((resolve, reject) => {
      this.#settleFinished = { resolve, reject }
    })
    // Observed here so that a caller who only calls stop() gets no unhandled rejection.
    this.finished.catch(() => {})
  }

  // ---- start-up ---------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    const options = this.#options
    // Loaded beside the start-up scan; a failure to load shows where it is needed, on the first check.
    loadFormatDetector().catch(() => {})
    const inboxStats = await stat(options.inbox).catch(() => undefined)
    if (!inboxStats?.isDirectory()) {
      throw new Error(
        `the inbox ${options.inbox} does not exist or is not a folder: create it, or name another`,
      )
    }
    try {
      await mkdir(options.out, { recursive: true })
      if (!options.queue) this.#journal = Journal.open(options.state)
    } catch (error) {
      if ((error as Error).message.includes('in use by process')) throw error
      throw new Error(
        `cannot write the state journal ${options.state} (in the output folder ${options.out}, unless --state says otherwise): ${(error as Error).message}`,
        { cause: error },
      )
    }
    if (options.queue) {
      const { connectRedis, redisPassword } = await import('../cluster/redis-connection.js')
      const { RedisJournal } = await import('../cluster/redis-journal.js')
      const password = redisPassword(options.queue)
      if (password) this.#display.addSecret(password)
      const redis = await connectRedis(options.queue)
      this.#journal = new RedisJournal(redis, {
        prefix: options.queuePrefix,
        where: redactUrl(options.queue),
      })
    }
    let adoptable: AdoptableJobs
    try {
      // Other instances of a cluster write to the same output folder: only their old temp files are stale.
      await removeStaleTemporaryFiles(
        options.out,
        options.queue ? Math.max(sharedTemporaryMinAgeMs, 2 * options.queueLockMs) : 0,
      )
      this.#context = {
        inbox: options.inbox,
        realInbox: await realpath(options.inbox),
        filter: createFileFilter(options.include, options.exclude),
        skipFolders: [options.out, options.doneDir, dirname(options.state)].filter((folder) =>
          within(options.inbox, folder),
        ),
      }
      this.#events = new InboxEvents({
        options,
        context: this.#context,
        display: this.#display,
        onPath: (path) => void this.#pipeline.observe(path),
        onWatching: () => this.#rescanAfterCurrent(),
        isStopping: this.#isStopping,
      })
      this.#backend = await openBackend(options, this.#display)
      try {
        adoptable = await AdoptableJobs.load({
          client: this.#backend.client,
          // A cluster's pending records may be submits under way on other instances: each is looked for
          // when its queue job is taken, not here.
          records: options.queue ? [] : await this.#journal.all(),
          signal: this.#queue.signal,
          display: this.#display,
        })
      } catch (error) {
        await this.#backend.close().catch(() => {})
        throw AuthenticationError.isInstance(error) ? this.#refusal(error.message, error) : error
      }
    } catch (error) {
      await Promise.resolve(this.#journal.close()).catch(() => {})
      throw error
    }
    const fingerprint = optionsFingerprint(options)
    const outputHealth = new OutputHealth(this.#display, options.out)
    const recorder = new OutcomeRecorder({
      options,
      display: this.#display,
      journal: this.#journal,
      report: this.#report,
      outputHealth,
      fingerprint,
    })
    if (options.queue) {
      const { ClusterQueue } = await import('../cluster/cluster-queue.js')
      const { QueuedConversions } = await import('../cluster/queued-conversions.js')
      this.#cluster = new ClusterQueue({
        url: options.queue,
        prefix: options.queuePrefix,
        fingerprint,
        concurrency: options.concurrency,
        lockMs: options.queueLockMs,
        display: this.#display,
      })
      await this.#cluster.ready()
      this.#conversions = new QueuedConversions({
        options,
        display: this.#display,
        fingerprint,
        context: this.#context,
        journal: this.#journal,
        client: this.#backend.client,
        cluster: this.#cluster,
        recorder,
        outputHealth,
        signal: this.#queue.signal,
        onRefused: (failure) => this.#refused(failure),
        onChange: () => this.#checkOnceFinished(),
      })
      this.#slowClusterOnRateLimit(this.#cluster)
    }
    this.#pipeline = new FilePipeline({
      options,
      display: this.#display,
      fingerprint,
      context: this.#context,
      journal: this.#journal,
      client: this.#backend.client,
      queue: this.#queue,
      adoptable,
      outputHealth,
      recorder,
      fileTimes: this.#fileTimesAreLocal(),
      isStopping: this.#isStopping,
      onChange: () => this.#checkOnceFinished(),
      onRefused: (failure) => this.#refused(failure),
      ...(this.#cluster ? { cluster: this.#cluster } : {}),
    })
    const records = await this.#journal.all()
    const resumable = records.filter((record) => record.status === 'submitted').length
    const pollingInterval = options.once ? undefined : this.#events.pollingInterval()
    if (this.#cluster && this.#conversions) {
      const conversions = this.#conversions
      this.#cluster.start((job, token) => conversions.process(job, token))
    }
    this.#display.log('info', options.once ? 'processing the inbox once' : 'watching', {
      inbox: options.inbox,
      out: options.out,
      state: this.#journal.location,
      ...(this.#cluster ? { queue: this.#cluster.name, concurrency: options.concurrency } : {}),
      known: records.length,
      resumable,
      ...(options.once ? {} : { events: pollingInterval ? `polling every ${pollingInterval} ms` : 'native' }),
    })
    this.#display.watch(() => this.snapshot())
    if (!options.once) this.#events.start(pollingInterval, inboxStats, Math.min(1000, options.rescanMs))
    this.#track(
      this.#pipeline.rescan().finally(() => {
        this.#initialScanDone = true
        this.#checkOnceFinished()
      }),
    )
    if (!options.once) {
      this.#rescanTimer = setInterval(() => this.#rescanUnlessRunning(), options.rescanMs)
    }
    // Other instances finish the jobs of a cluster: their ends raise no event here.
    if (options.once && this.#cluster)
      this.#onceTimer = setInterval(() => this.#checkOnceFinished(), onceCheckMs)
  }

  /**
   * Whether the inbox's file times come from this machine's clock: not when polling was asked for, nor on a
   * network or FUSE file system (another machine's clock, or a daemon's).
   */
  #fileTimesAreLocal(): boolean {
    if (typeof this.#options.poll === 'number') return false
    const type = fileSystemTypeOf(this.#context.realInbox)
    return !(type && needsPolling(type))
  }

  /**
   * A 429 seen by this instance's client (which waits and retries on its own) pauses the whole cluster's
   * queue for as long as the service asked: no instance takes another document until then.
   */
  #slowClusterOnRateLimit(cluster: ClusterQueue): void {
    this.#backend.client.on((event) => {
      if (event.type !== 'retry' || !RateLimitError.isInstance(event.error)) return
      this.#display.log('warn', 'rate limited by the service: the cluster waits', {
        retryInMs: event.delayMs,
      })
      cluster.rateLimit(event.delayMs).catch((error: unknown) =>
        this.#display.log('warn', 'could not pause the cluster after a 429', {
          error: error instanceof Error ? error.message : String(error),
        }),
      )
    })
  }

  // ---- a refused API key ------------------------------------------------------------------------------------

  #refusal(reason: string, cause: unknown): WatcherError {
    const baseUrl = this.#backend.client.baseUrl.replace(/\/+$/, '')
    return new WatcherError(`NUMIND_API_KEY was refused by ${baseUrl}: ${reason}`, {
      code: 'API_KEY_REFUSED',
      cause,
    })
  }

  /** The first 401 stops the run with one message; documents stay as they are, for a start with the right key. */
  #refused(failure: Failure): void {
    if (this.#fatal) return
    this.#fatal = this.#refusal(failure.message, failure)
    this.#display.log('error', this.#fatal.message, {
      hint: 'set the right key and start again: documents not converted yet are picked up then',
    })
    void this.stop('the API key was refused')
  }

  // ---- detection --------------------------------------------------------------------------------------------

  #rescanUnlessRunning(): void {
    if (!this.#scanning) this.#track(this.#pipeline.rescan())
  }

  /** A scan that must see the folder as it is now: after the one running, if any, has finished. */
  #rescanAfterCurrent(): void {
    const running = this.#scanning ?? Promise.resolve()
    this.#track(running.then(() => (this.#isStopping() ? undefined : this.#pipeline.rescan())))
  }

  /** Remembers the scan in progress; a failed scan is logged, and the next rescan tries again. */
  #track(scan: Promise<void>): void {
    const tracked: Promise<void> = scan
      .catch((error: unknown) =>
        this.#display.log('warn', 'scanning the inbox failed; the next rescan tries again', {
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => {
        if (this.#scanning === tracked) this.#scanning = undefined
      })
    this.#scanning = tracked
  }

  // ---- stopping ---------------------------------------------------------------------------------------------

  #checkOnceFinished(): void {
    if (!this.#options.once || !this.#initialScanDone || this.#stopping) return
    if (this.#pipeline.busy || this.#queue.busy || this.#conversions?.busy) return
    if (!this.#cluster) {
      void this.stop('done')
      return
    }
    // A cluster's --once run ends when the whole queue is done: every document found has its final state.
    if (this.#onceChecking) return
    this.#onceChecking = true
    this.#cluster
      .unfinished()
      .then((unfinished) => {
        if (unfinished > 0 || this.#stopping) return
        if (this.#pipeline.busy || this.#queue.busy || this.#conversions?.busy) return
        void this.stop('done')
      })
      .catch(() => {})
      .finally(() => {
        this.#onceChecking = false
      })
  }

  snapshot(): Snapshot {
    if (!this.#conversions) return this.#report.snapshot(this.#pipeline.files)
    return this.#report.snapshot(new Map([...this.#pipeline.files, ...this.#conversions.files]))
  }

  stop(reason = 'stopped'): Promise<Summary> {
    if (!this.#stopping) {
      // Set before doStop runs: its synchronous part may call back into checkOnceFinished.
      let resolveStopping!: (summary: Summary) => void
      this.#stopping = new Promise((resolve) => {
        resolveStopping = resolve
      })
      void this.#doStop(reason).then((summary) => {
        resolveStopping(summary)
        if (this.#fatal) this.#settleFinished.reject(this.#fatal)
        else this.#settleFinished.resolve(summary)
      })
    }
    return this.#stopping
  }

  async #doStop(reason: string): Promise<Summary> {
    // With the key refused, nothing in flight can succeed: no grace period.
    const graceMs = this.#fatal ? 0 : this.#options.graceMs
    // A refused key was told in one message; what is cut short by it needs no more words.
    if (reason !== 'done' && !this.#fatal) {
      this.#display.log('info', 'stopping: finishing conversions in flight', {
        reason,
        inFlight: this.#queue.running,
        graceMs,
      })
    }
    clearInterval(this.#rescanTimer)
    clearInterval(this.#onceTimer)
    this.#pipeline.clearTimers()
    this.#queue.clear()
    await this.#events.close()
    const conversions = this.#conversions
    await this.#queue.drain(
      graceMs,
      this.#fatal ? undefined : this.#display,
      this.#cluster && conversions
        ? { ended: this.#cluster.stopTaking(), running: () => conversions.files.size }
        : undefined,
    )
    // Jobs cut short by the end of the grace period went back to the queue; the worker ends after them.
    if (this.#cluster) await settlesWithin(this.#cluster.stopTaking(), settleAfterAbortMs)
    // Steps still running (a failure being reported, a scan) end before the journal closes.
    const settled = await settlesWithin(
      Promise.all([this.#pipeline.idle(), this.#scanning]),
      settleAfterAbortMs,
    )
    if (!settled) {
      this.#display.log(
        'warn',
        'some files were still being handled at shutdown; they are looked at on the next start',
      )
    }
    this.#pipeline.clearTimers()
    await this.#cluster?.close()
    try {
      await this.#journal.close()
    } catch (error) {
      this.#display.log(
        'warn',
        'could not compact the state journal; it is complete and is compacted on the next start',
        {
          error: (error as Error).message,
        },
      )
    }
    await this.#backend.close().catch(() => {})
    const summary = this.#report.summary()
    this.#display.log('info', 'stopped', {
      converted: summary.converted,
      unchanged: summary.unchanged,
      failed: summary.failed,
      ...(summary.partial > 0 ? { withFailedPages: summary.partial } : {}),
    })
    return summary
  }
}
