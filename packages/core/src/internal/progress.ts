import type { Logger, ProgressEvent, ProgressListener } from '../types.js'

/** The client's progress listeners (`client.on`) plus, per call, the caller's `onProgress`. */
export class ProgressEmitter {
  readonly #listeners = new Set<ProgressListener>()
  readonly #logger: Logger

  constructor(logger: Logger) {
    this.#logger = logger
  }

  /** Adds a listener; returns the function that removes it. */
  add(listener: ProgressListener): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /** True while the client has a listener (`client.on`). */
  get listened(): boolean {
    return this.#listeners.size > 0
  }

  /** Calls the call's own listener first, then the client's; a throwing listener must not break a conversion. */
  emit(event: ProgressEvent, onProgress?: ProgressListener): void {
    for (const listener of onProgress ? [onProgress, ...this.#listeners] : this.#listeners) {
      try {
        listener(event)
      } catch (error) {
        this.#logger.warn('numarkdown progress listener threw', { error })
      }
    }
  }
}
