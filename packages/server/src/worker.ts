/**
 * `startWorker()`: an engine worker of a cluster, without the API. It takes jobs that the cluster's servers queued in
 * Redis, runs them through its engine, and writes their results where every server reads them; stopped, it hands
 * its running jobs back to the queue.
 */
import { tmpdir } from 'node:os'
import { checkKnownOptions, checkNumberRange, optionKeys, ValidationError } from '@numarkdown/protocol'
import { checkEngine } from './internal/check-engine.js'
import type { EngineWorker } from './internal/redis/engine-worker.js'
import { checkRedisPrefix } from './internal/redis/job-keys.js'
import { parseRedisUrl } from './internal/redis/redis-url.js'
import type { Engine, WorkerOptions } from './types.js'

const workerOptionKeys = optionKeys<WorkerOptions>({
  redis: true,
  engine: true,
  concurrency: true,
  spoolDirectory: true,
  redisPrefix: true,
  workerLockMs: true,
})

/** A worker started by {@link startWorker}. */
export interface RunningWorker {
  /** The engine it runs jobs through. */
  readonly engine: Engine
  /** The Redis URL it takes jobs from, without user name and password. */
  readonly redis: string
  /**
   * Stop taking jobs, abort the engine calls in progress and hand their jobs back to the queue (after the calls
   * returned, 10 s at most), close the engine and the connections. Safe to call more than once.
   */
  close(): Promise<void>
}

/**
 * Start an engine worker of a cluster: it takes the jobs that servers started with the same `redis` queue.
 *
 * @example
 * ```ts
 * import { openaiEngine, startWorker } from '@numarkdown/server'
 *
 * const worker = await startWorker({
 *   redis: 'redis://10.0.0.5:6379',
 *   engine: openaiEngine({ baseUrl: 'http://127.0.0.1:8000', model: 'numind/NuMarkdown-8B-Thinking' }),
 *   spoolDirectory: '/mnt/numarkdown/uploads',
 * })
 * ```
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  if (options === null || typeof options !== 'object') {
    throw new ValidationError(`options must be an object, got ${String(options)}`, { parameter: 'options' })
  }
  checkKnownOptions(options, workerOptionKeys, 'startWorker options')
  const target = parseRedisUrl(options.redis, 'options.redis')
  checkEngine(options.engine, 'startWorker options')
  const positive = { min: 1, integer: true, where: 'startWorker options' }
  const concurrency = checkNumberRange('concurrency', options.concurrency ?? 4, positive)
  const workerLockMs = checkNumberRange('workerLockMs', options.workerLockMs ?? 30_000, positive)
  const prefix = checkRedisPrefix(options.redisPrefix ?? 'numarkdown', 'options.redisPrefix')
  const engine = options.engine
  // The Redis client and the queue load here: importing the package (for a server without Redis) loads neither.
  const [{ ClusterConnection }, { EngineWorker }] = await Promise.all([
    import('./internal/redis/cluster-connection.js'),
    import('./internal/redis/engine-worker.js'),
  ])
  const cluster = await ClusterConnection.open(target, prefix)
  let worker: EngineWorker
  try {
    worker = await EngineWorker.start({
      cluster,
      engine,
      concurrency,
      spoolDirectory: options.spoolDirectory ?? tmpdir(),
      workerLockMs,
    })
  } catch (error) {
    await cluster.close()
    throw error
  }
  let closing: Promise<void> | undefined
  return {
    engine,
    redis: target.display,
    close() {
      closing ??= (async () => {
        await worker.close()
        await engine.close?.()
        await cluster.close()
      })()
      return closing
    },
  }
}
