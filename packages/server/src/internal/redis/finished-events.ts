/**
 * Every node of a cluster hears of every finished job through one Redis pub/sub channel: an API replica ends the SSE
 * streams of that job, a worker aborts the engine call of a job cancelled (or timed out) elsewhere. A message only
 * says "look again": each watcher re-reads the record. Pub/sub drops what is published while a subscriber is
 * disconnected, so every watcher looks again when the subscription comes back.
 */
import type { Redis } from 'ioredis'
import { closeRedis, connectRedis } from './redis-connection.js'
import type { RedisTarget } from './redis-url.js'

export class FinishedEvents {
  readonly #subscriber: Redis
  readonly #watchers = new Map<string, Set<() => void>>()

  // biome-ignore lint/style/useConsistentMemberAccessibility: a constructor has no `#` form; instances come from the static factory
  private constructor(subscriber: Redis) {
    this.#subscriber = subscriber
  }

  /** Subscribe to `channel`; resolves once the subscription is in place. */
  static async open(target: RedisTarget, channel: string): Promise<FinishedEvents> {
    const subscriber = await connectRedis(target, { maxRetriesPerRequest: null })
    const events = new FinishedEvents(subscriber)
    subscriber.on('message', (from: string, id: string) => {
      if (from === channel) events.#notify(id)
    })
    await subscriber.subscribe(channel)
    // ioredis subscribes again by itself after a reconnect, then says `ready`: what was missed meanwhile is looked
    // at again.
    subscriber.on('ready', () => events.#notifyAll())
    return events
  }

  /** Call `check` whenever job `id` may have finished; returns what stops it. */
  watch(id: string, check: () => void): () => void {
    let checks = this.#watchers.get(id)
    if (!checks) {
      checks = new Set()
      this.#watchers.set(id, checks)
    }
    checks.add(check)
    return () => {
      const current = this.#watchers.get(id)
      if (!current) return
      current.delete(check)
      if (current.size === 0) this.#watchers.delete(id)
    }
  }

  async close(): Promise<void> {
    this.#watchers.clear()
    await closeRedis(this.#subscriber)
  }

  #notify(id: string): void {
    for (const check of [...(this.#watchers.get(id) ?? [])]) check()
  }

  #notifyAll(): void {
    for (const id of [...this.#watchers.keys()]) this.#notify(id)
  }
}
