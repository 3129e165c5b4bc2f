/**
 * Cluster mode of a server: its options checked, then the connection to Redis, the owner key every node shares, the
 * job store of an API replica and, in role `both`, an engine worker beside it. What is opened is closed again when a
 * later step fails, so a server that could not start leaves nothing behind.
 */
import { checkNumberRange, ValidationError } from '@numarkdown/protocol'
import type { Engine, ServerOptions } from '../../types.js'
import type { Jobs } from '../jobs.js'
import { ClusterConnection } from './cluster-connection.js'
import { EngineWorker } from './engine-worker.js'
import { checkRedisPrefix } from './job-keys.js'
import { clusterOwnerKey } from './owner-secret.js'
import { parseRedisUrl, type RedisTarget } from './redis-connection.js'
import { RedisJobs } from './redis-jobs.js'

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

/** What a node of the cluster runs besides the API. */
export interface ClusterNode {
  /** The engine, in role `both`. */
  engine: Engine | undefined
  concurrency: number
  jobTtlMs: number
  spoolDirectory: string
}

/** Connect, agree on the owner key, and start the job store (and, in role `both`, the engine worker). */
export async function openClusterJobs(
  settings: ClusterSettings,
  node: ClusterNode,
): Promise<{ jobs: Jobs; ownerKey: Buffer }> {
  const cluster = await ClusterConnection.open(settings.target, settings.prefix)
  let worker: EngineWorker | undefined
  try {
    const ownerKey = await clusterOwnerKey(cluster.client, cluster.keys.ownerSecret, settings.ownerSecret)
    const engine = node.engine
    if (settings.role === 'both' && engine) {
      worker = await EngineWorker.start({
        cluster,
        engine,
        concurrency: node.concurrency,
        spoolDirectory: node.spoolDirectory,
        workerLockMs: settings.workerLockMs,
      })
    }
    const started = worker
    const jobs = new RedisJobs({
      cluster,
      spoolDirectory: node.spoolDirectory,
      jobTtlMs: node.jobTtlMs,
      close: async () => {
        await started?.close()
        await engine?.close?.()
        await cluster.close()
      },
    })
    return { jobs, ownerKey }
  } catch (error) {
    await worker?.close().catch(() => {})
    await cluster.close()
    throw error
  }
}
