/**
 * Cluster mode of a server: its options checked, then the connection to Redis, the owner key every node shares, the
 * job store of an API replica and, in role `both`, an engine worker beside it. What is opened is closed again when a
 * later step fails, so a server that could not start leaves nothing behind.
 */
import type { Engine } from '../../types.js'
import type { Jobs } from '../jobs.js'
import { ClusterConnection } from './cluster-connection.js'
import type { ClusterSettings } from './cluster-settings.js'
import { EngineWorker } from './engine-worker.js'
import { clusterOwnerKey } from './owner-secret.js'
import { RedisJobs } from './redis-jobs.js'

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
