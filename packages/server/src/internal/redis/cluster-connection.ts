/**
 * What one node of a cluster holds open to Redis, whatever its role: a client for commands and scripts, the
 * subscription to finished jobs, and the engine queue (BullMQ) on which API replicas put jobs and workers take them.
 */
import { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { FinishedEvents } from './finished-events.js'
import { engineQueueName, type JobKeys, jobKeys } from './job-keys.js'
import { closeRedis, connectRedis } from './redis-connection.js'
import type { RedisTarget } from './redis-url.js'

/** The options of BullMQ jobs on the engine queue. */
export const engineJobOptions: {
  readonly attempts: 1
  readonly removeOnComplete: true
  readonly removeOnFail: { readonly age: number }
} = {
  // An engine's failure is the job's `failed` state, recorded by the worker: BullMQ never retries it. A job whose
  // worker died is another matter: BullMQ's stalled-job check gives it back to the queue.
  attempts: 1,
  removeOnComplete: true,
  removeOnFail: { age: 24 * 3600 },
} as const

export class ClusterConnection {
  readonly target: RedisTarget
  readonly keys: JobKeys
  readonly client: Redis
  readonly events: FinishedEvents
  readonly queue: Queue

  // biome-ignore lint/style/useConsistentMemberAccessibility: a constructor has no `#` form; instances come from the static factory
  private constructor(parts: {
    target: RedisTarget
    keys: JobKeys
    client: Redis
    events: FinishedEvents
    queue: Queue
  }) {
    this.target = parts.target
    this.keys = parts.keys
    this.client = parts.client
    this.events = parts.events
    this.queue = parts.queue
  }

  /** Connect; throws an error naming the Redis URL (without its password) when Redis cannot be reached. */
  static async open(target: RedisTarget, prefix: string): Promise<ClusterConnection> {
    const keys = jobKeys(prefix)
    // Commands fail after a few reconnect attempts while Redis is away, so that a request is answered 503 instead
    // of waiting for Redis indefinitely.
    const client = await connectRedis(target, { maxRetriesPerRequest: 2 })
    let events: FinishedEvents | undefined
    try {
      events = await FinishedEvents.open(target, keys.finishedChannel)
      const queue = new Queue(engineQueueName, { connection: client, prefix: keys.queuePrefix })
      queue.on('error', () => {
        // Connection errors: the client reconnects by itself, and the calls that failed said so.
      })
      return new ClusterConnection({ target, keys, client, events, queue })
    } catch (error) {
      await events?.close()
      await closeRedis(client)
      throw error
    }
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => {})
    await this.events.close()
    await closeRedis(this.client)
  }
}
