import type { Stats } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { dirname, relative, sep } from 'node:path'
import { type FSWatcher, watch } from 'chokidar'
import type { ResolvedOptions } from '../../options.js'
import type { Display } from '../../types.js'
import { fileSystemTypeOf, needsPolling } from './mounts.js'
import type { ScanContext } from './scanner.js'

/** Polling interval on file systems where inotify misses changes. */
const networkPollingMs = 2000

export interface InboxEventsOptions {
  options: Pick<ResolvedOptions, 'inbox' | 'poll'>
  /** Shared with the scanner: `realInbox` is updated when the inbox is replaced. */
  context: ScanContext
  display: Display
  /** A relative path (`/`-separated) that chokidar saw added, changed or removed. */
  onPath(path: string): void
  /**
   * chokidar has read the inbox and reports changes from now on. A file created while it was starting up
   * (after the start-up scan listed the folder, before chokidar's baseline) is reported by neither, so the
   * listener scans once more. Called at start-up and again after the inbox was replaced.
   */
  onWatching(): void
  isStopping(): boolean
}

/**
 * Hints about changes in the inbox: chokidar events (a hint only; the periodic rescan is the source of truth),
 * and a check of the inbox's own identity, because chokidar never watches a deleted and recreated root again.
 */
export class InboxEvents {
  readonly #settings: InboxEventsOptions
  #chokidar: FSWatcher | undefined
  #rootTimer: NodeJS.Timeout | undefined
  #rootIdentity: string | undefined

  constructor(settings: InboxEventsOptions) {
    this.#settings = settings
  }

  /** Polling when asked for, or when the inbox is on a network or FUSE file system; `undefined`: native events. */
  pollingInterval(): number | undefined {
    const { poll } = this.#settings.options
    if (typeof poll === 'number') return poll
    if (poll === false) return undefined
    const type = fileSystemTypeOf(this.#settings.context.realInbox)
    if (type && needsPolling(type)) {
      this.#settings.display.log(
        'info',
        `the inbox is on a network or FUSE file system: polling every ${networkPollingMs} ms`,
        { type },
      )
      return networkPollingMs
    }
    return undefined
  }

  /** Start chokidar, and check every `rootCheckMs` that the inbox is still the folder it was (`inboxStats`). */
  start(interval: number | undefined, inboxStats: Stats, rootCheckMs: number): void {
    this.#rootIdentity = identityOf(inboxStats)
    this.#startChokidar(interval)
    this.#rootTimer = setInterval(() => void this.#checkRoot(), rootCheckMs)
  }

  async close(): Promise<void> {
    clearInterval(this.#rootTimer)
    await this.#chokidar?.close().catch(() => {})
    this.#chokidar = undefined
  }

  #startChokidar(interval: number | undefined): void {
    const { context, display } = this.#settings
    const { inbox, filter } = context
    const skip = new Set(context.skipFolders)
    const chokidar = watch(inbox, {
      ignoreInitial: true,
      followSymlinks: false,
      persistent: true,
      usePolling: interval !== undefined,
      interval: interval ?? networkPollingMs,
      binaryInterval: interval ?? networkPollingMs,
      ignorePermissionErrors: true,
      ignored: (path: string, stats?: Stats) => {
        if (path === inbox) return false
        if (skip.has(path)) return true
        const relativePath = relative(inbox, path).split(sep).join('/')
        if (!filter.folder(dirname(relativePath) === '.' ? '' : dirname(relativePath))) return true
        if (stats?.isDirectory()) return !filter.folder(relativePath)
        // Without stats the path may be a folder: only names that are junk anyway are dropped.
        if (!stats) return !filter.folder(relativePath)
        return !filter.file(relativePath)
      },
    })
    const hint = (path: string) => {
      const relativePath = relative(inbox, path).split(sep).join('/')
      if (relativePath && !relativePath.startsWith('..')) this.#settings.onPath(relativePath)
    }
    chokidar.on('add', hint).on('change', hint).on('unlink', hint)
    chokidar.on('ready', () => {
      if (this.#chokidar === chokidar && !this.#settings.isStopping()) this.#settings.onWatching()
    })
    chokidar.on('error', (error) =>
      display.log('warn', 'file system watcher error', { error: (error as Error).message }),
    )
    this.#chokidar = chokidar
  }

  async #checkRoot(): Promise<void> {
    const { options, context, display, isStopping } = this.#settings
    if (isStopping()) return
    const stats = await stat(options.inbox).catch(() => undefined)
    const identity = stats?.isDirectory() ? identityOf(stats) : undefined
    if (identity === this.#rootIdentity) return
    const previous = this.#rootIdentity
    this.#rootIdentity = identity
    if (!identity) {
      display.log('warn', 'the inbox disappeared; waiting for it to come back', { inbox: options.inbox })
      return
    }
    display.log('info', previous ? 'the inbox was replaced; watching it again' : 'the inbox is back', {
      inbox: options.inbox,
    })
    await this.#chokidar?.close().catch(() => {})
    this.#chokidar = undefined
    context.realInbox = await realpath(options.inbox).catch(() => options.inbox)
    if (isStopping()) return
    // Everything in the replaced inbox is new to chokidar: the scan once it is ready (onWatching) finds it.
    this.#startChokidar(this.pollingInterval())
  }
}

function identityOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`
}
