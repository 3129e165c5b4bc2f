const defaultCapacity = 10_000

/**
 * Job IDs a client submitted or adopted, so that a search for a lost job never adopts one of them a second
 * time. Bounded: a long-lived client forgets its oldest jobs, which are long past any adoption window.
 */
export class OwnedJobs {
  readonly #ids = new Set<string>()
  readonly #capacity: number

  constructor(capacity: number = defaultCapacity) {
    this.#capacity = capacity
  }

  add(jobId: string): void {
    this.#ids.add(jobId)
    if (this.#ids.size > this.#capacity) {
      const oldest = this.#ids.values().next().value
      if (oldest !== undefined) this.#ids.delete(oldest)
    }
  }

  has(jobId: string): boolean {
    return this.#ids.has(jobId)
  }
}
