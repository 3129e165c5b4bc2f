/**
 * The key that turns a plain-string token into its owner's name must be the same on every node of a cluster, or a
 * job made through one replica would be someone else's (403) on another. It is made once, by whichever node comes
 * first (SET NX), and read by all; or it is configured on every node.
 */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'

/** The owner key: from the configured secret, or the one shared through Redis (created when there is none). */
export async function clusterOwnerKey(
  client: Redis,
  key: string,
  configured: string | undefined,
): Promise<Buffer> {
  if (configured !== undefined) return Buffer.from(configured, 'utf8')
  await client.set(key, randomBytes(32).toString('hex'), 'NX')
  const shared = await client.get(key)
  if (!shared) throw new Error(`The owner secret ${key} could not be read back from Redis`)
  return Buffer.from(shared, 'hex')
}
