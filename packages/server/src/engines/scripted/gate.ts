/**
 * A gate decides when a held conversion of the scripted engine finishes, so that a test can look at a job while
 * it runs (pending, running, cancelled mid-way) without timing assumptions.
 */
import type { EngineDocument } from '../../types.js'

/** Chooses held documents: by exact filename, or by a predicate. */
export type GateFilter = string | ((document: EngineDocument) => boolean)

/**
 * A gate holds conversions until a test releases them, so a test decides exactly when a job finishes.
 *
 * @example
 * ```ts
 * const engine = scriptedEngine({ hold: true })
 * // ...submit 'a.pdf'...
 * await engine.gate.whenWaiting(1)   // the job is running and held
 * engine.gate.release('a.pdf')        // now it completes
 * ```
 */
export interface Gate {
  /** The documents held right now, in arrival order. */
  readonly waiting: readonly EngineDocument[]
  /**
   * Resolves with the held documents once at least `count` are held (at once when they already are).
   * @default count 1
   */
  whenWaiting(count?: number): Promise<readonly EngineDocument[]>
  /** Release the held documents matching `filter` (all when omitted); returns how many were released. */
  release(filter?: GateFilter): number
  /** Release everything held now and let every later document through without stopping. */
  open(): void
  /** Stop letting documents through again (after {@link Gate.open}). */
  shut(): void
  /** Engine side: wait until released. Rejects with the signal's reason when `signal` aborts first. */
  pass(document: EngineDocument, signal: AbortSignal): Promise<void>
}

/** Create a {@link Gate}; `scriptedEngine()` makes one for itself (`engine.gate`). */
export function createGate(): Gate {
  const held: Array<{ document: EngineDocument; release: () => void }> = []
  const watchers: Array<{ count: number; resolve: (documents: readonly EngineDocument[]) => void }> = []
  let isOpen = false

  const snapshot = (): readonly EngineDocument[] => held.map((entry) => entry.document)
  const notify = (): void => {
    for (const watcher of [...watchers]) {
      if (held.length >= watcher.count) {
        watchers.splice(watchers.indexOf(watcher), 1)
        watcher.resolve(snapshot())
      }
    }
  }
  const matches = (filter: GateFilter | undefined, document: EngineDocument): boolean =>
    filter === undefined || (typeof filter === 'string' ? document.filename === filter : filter(document))

  return {
    get waiting() {
      return snapshot()
    },
    whenWaiting(count = 1) {
      if (held.length >= count) return Promise.resolve(snapshot())
      return new Promise((resolve) => watchers.push({ count, resolve }))
    },
    release(filter) {
      const released = held.filter((entry) => matches(filter, entry.document))
      for (const entry of released) {
        held.splice(held.indexOf(entry), 1)
        entry.release()
      }
      return released.length
    },
    open() {
      isOpen = true
      this.release()
    },
    shut() {
      isOpen = false
    },
    pass(document, signal) {
      if (signal.aborted) return Promise.reject(signal.reason)
      if (isOpen) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const entry = {
          document,
          release: () => {
            signal.removeEventListener('abort', onAbort)
            resolve()
          },
        }
        const onAbort = (): void => {
          const index = held.indexOf(entry)
          if (index >= 0) held.splice(index, 1)
          reject(signal.reason)
        }
        signal.addEventListener('abort', onAbort, { once: true })
        held.push(entry)
        notify()
      })
    },
  }
}
