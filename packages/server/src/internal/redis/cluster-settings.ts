/**
 * The cluster options of a server, checked before anything connects. Apart from the connections, so that a server
 * started without `redis` checks its options without loading a Redis client or a queue.
 */
import { checkNumberRange, ValidationError } from '@numarkdown/protocol'
import type { ServerOptions } from '../../types.js'
import { checkRedisPrefix } from './job-keys.js'
import { parseRedisUrl, type RedisTarget } from './redis-url.js'

/** The cluster options of a server, checked. */
export interface ClusterSettings {
  target: RedisTarget
  role: 'api' | 'both'
  prefix: string
  ownerSecret?: string
  workerLockMs: number
}

const clusterOnly = ['role', 'ownerSecret', 'redisPrefix', 'workerLockMs'] as const

/** The checked cluster options, or undefined without `redis`; throws a ValidationError naming a bad one. */
export function resolveClusterSettings(options: ServerOptions, where: string): ClusterSettings | undefined {
  if (options.redis === undefined) {
    const stray = clusterOnly.find((name) => options[name] !== undefined)
    if (stray) {
      throw new ValidationError(`options.${stray} is for cluster mode: give options.redis as well`, {
        parameter: stray,
      })
    }
    return undefined
  }
  const target = parseRedisUrl(options.redis, 'options.redis')
  const role = options.role ?? 'both'
  if (role !== 'api' && role !== 'both') {
    throw new ValidationError(
      `options.role must be 'api' or 'both' (an engine worker alone is startWorker), got ${String(role)}`,
      { parameter: 'role' },
    )
  }
  const settings: ClusterSettings = {
    target,
    role,
    prefix: checkRedisPrefix(options.redisPrefix ?? 'numarkdown', 'options.redisPrefix'),
    workerLockMs: checkNumberRange('workerLockMs', options.workerLockMs ?? 30_000, {
      min: 1,
      integer: true,
      where,
    }),
  }
  if (options.ownerSecret !== undefined) {
    if (typeof options.ownerSecret !== 'string' || options.ownerSecret.length < 16) {
      throw new ValidationError('options.ownerSecret must be a string of at least 16 characters', {
        parameter: 'ownerSecret',
      })
    }
    settings.ownerSecret = options.ownerSecret
  }
  return settings
}
