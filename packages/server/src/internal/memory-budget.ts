/**
 * How many bytes of uploads the server holds in memory at once. Small uploads stay in memory to spare a temporary
 * file per job, but jobs wait in the queue for as long as the engine is busy: without a ceiling a burst of small
 * uploads would pile up in memory where it used to pile up on disk. Past the ceiling, uploads spool as before.
 */
export class MemoryBudget {
  readonly #limit: number
  #held = 0

  constructor(limit: number) {
    this.#limit = limit
  }

  /** Take `bytes` from the budget; false (and nothing taken) when that would pass the ceiling. */
  reserve(bytes: number): boolean {
    if (this.#held + bytes > this.#limit) return false
    this.#held += bytes
    return true
  }

  /** Give back `bytes` taken before. */
  release(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes)
  }

  /** Bytes held now. */
  get held(): number {
    return this.#held
  }
}
