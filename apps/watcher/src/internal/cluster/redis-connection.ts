/**
 * The watcher's connections to the cluster's Redis: one place that opens them, checks the server answers
 * before a run starts (a wrong `--queue` is told at once, not as a hang), and keeps the password out of every
 * message. Connections wait through a Redis restart (commands are held, not failed): the cluster pauses
 * while its Redis is away and carries on when it is back.
 */
import { Redis } from 'ioredis'
import { redactUrl } from '../../options.js'

/** How long the first connection may take before the run is refused. */
const connectTimeoutMs = 10_000

/** The options every connection of the cluster uses (BullMQ's workers need `maxRetriesPerRequest: null`). */
export function connectionOptions(): {
  maxRetriesPerRequest: null
  retryStrategy: (times: number) => number
} {
  return {
    maxRetriesPerRequest: null,
    // Reconnect soon after a restart of Redis, and no less often than every 2 s while it is away.
    retryStrategy: (times) => Math.min(100 * times, 2000),
  }
}

/** The password of a Redis URL, to keep out of the log; `undefined` when it has none. */
export function redisPassword(url: string): string | undefined {
  try {
    const password = new URL(url).password
    return password === '' ? undefined : decodeURIComponent(password)
  } catch {
    return undefined
  }
}

/**
 * Connect to `url` and wait until Redis answers; throws an error naming the (redacted) URL and what to do when
 * it does not within 10 s.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { ...connectionOptions(), lazyConnect: true })
  let lastError: Error | undefined
  const onError = (error: Error) => {
    lastError = error
  }
  redis.on('error', onError)
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      (async () => {
        await redis.connect()
        await redis.ping()
      })(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(lastError ?? new Error('no answer')), connectTimeoutMs)
      }),
    ])
  } catch (error) {
    redis.disconnect()
    const reason = (lastError ?? (error as Error)).message
    throw new Error(
      `cannot reach the queue at ${redactUrl(url)} (${reason}): start redis-server there, or fix --queue`,
      { cause: error },
    )
  } finally {
    clearTimeout(timer)
    redis.off('error', onError)
  }
  return redis
}
