/**
 * Connections to the Redis of a cluster: the URL checked once (and never shown with its password), and a connect that
 * gives up with a clear error when Redis cannot be reached at start, instead of retrying forever behind a server that
 * looks started. Once connected, a client reconnects by itself whenever Redis comes back.
 */
import { once } from 'node:events'
import { Redis, type RedisOptions } from 'ioredis'
import type { RedisTarget } from './redis-url.js'

export interface ConnectOptions {
  /** Give up connecting at start after this long. @default 10000 */
  timeoutMs?: number
  /**
   * `null` for BullMQ's connections (a command waits for Redis to come back); a small number elsewhere, so that a
   * request fails fast (503) while Redis is away.
   */
  maxRetriesPerRequest: number | null
  /** Called with connection errors after the start; a client retries by itself. */
  onError?: (error: Error) => void
}

/** Connect to Redis, or throw an error naming the URL (without its password) and the cause. */
export async function connectRedis(target: RedisTarget, options: ConnectOptions): Promise<Redis> {
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: options.maxRetriesPerRequest,
    // Reconnect quickly after a restart of Redis, never slower than every 2 s.
    retryStrategy: (times) => Math.min(100 * times, 2000),
  }
  const client = new Redis(target.url, redisOptions)
  let lastError: Error | undefined
  // An EventEmitter without an `error` listener throws: a client must always have one.
  client.on('error', (error: Error) => {
    lastError = error
    options.onError?.(error)
  })
  const timeoutMs = options.timeoutMs ?? 10_000
  const deadline = AbortSignal.timeout(timeoutMs)
  try {
    client.connect().catch(() => {})
    await once(client, 'ready', { signal: deadline })
    return client
  } catch (error) {
    client.disconnect()
    const cause = lastError ?? error
    const detail = cause instanceof Error ? cause.message : String(cause)
    throw new Error(`Could not connect to Redis at ${target.display} within ${timeoutMs} ms: ${detail}`, {
      cause,
    })
  }
}

/** Close a client: politely when Redis answers, at once when it does not. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return
  if (client.status !== 'ready') {
    client.disconnect()
    return
  }
  const quit = client.quit().then(
    () => {},
    () => {},
  )
  const timer = setTimeout(() => client.disconnect(), 1000)
  await quit
  clearTimeout(timer)
}
