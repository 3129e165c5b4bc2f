import type PQueue from 'p-queue'

/**
 * Additive-increase, multiplicative-decrease on the client's queue: a 429 halves the conversions allowed in
 * flight (never below 1), and each success afterwards gives one slot back until the configured limit.
 */
export class AdaptiveLimit {
  private readonly queue: PQueue
  private readonly limit: number
  private successes = 0

  constructor(queue: PQueue, limit: number) {
    this.queue = queue
    this.limit = limit
  }

  get current(): number {
    return this.queue.concurrency
  }

  rateLimited(): void {
    this.successes = 0
    this.queue.concurrency = Math.max(1, Math.floor(this.queue.concurrency / 2))
  }

  succeeded(): void {
    if (this.queue.concurrency >= this.limit) return
    // Grow by one slot per `current` successes: one step per "round" of requests at the lowered rate.
    if (++this.successes >= this.queue.concurrency) {
      this.successes = 0
      this.queue.concurrency = Math.min(this.limit, this.queue.concurrency + 1)
    }
  }
}
