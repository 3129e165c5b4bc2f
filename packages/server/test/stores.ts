/**
 * The contract tests run against both job stores: the in-process one, and Redis (a server of role `both` on a real
 * redis-server started for the test file, with keys of its own for each server).
 */
import { randomUUID } from 'node:crypto'
import { redisAvailable, startTestRedis, type TestRedis } from '@numarkdown/test-redis'
import { afterAll, beforeAll } from 'vitest'
import { type RunningServer, type ServerOptions, startServer } from '../src/index.js'

export type StoreKind = 'in-process' | 'redis'

/** The stores the tests run against here (Redis is never skipped in CI). */
export const storeKinds: StoreKind[] = redisAvailable() ? ['in-process', 'redis'] : ['in-process']

/**
 * `startServer` on the given store. Call it inside a `describe`: for Redis it starts redis-server before that
 * block's tests and stops it after them.
 */
export function serverStarter(kind: StoreKind): (options: ServerOptions) => Promise<RunningServer> {
  if (kind === 'in-process') return startServer
  let redis: TestRedis | undefined
  beforeAll(async () => {
    redis = await startTestRedis()
  })
  afterAll(async () => {
    await redis?.close()
  })
  return (options) => {
    if (!redis) throw new Error('redis-server is not running: call serverStarter inside a describe block')
    return startServer({ ...options, redis: redis.url, redisPrefix: `test-${randomUUID()}` })
  }
}
