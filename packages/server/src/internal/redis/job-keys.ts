/**
 * The names of a cluster's Redis keys, all under one prefix so that several clusters (or tests) can share a Redis.
 * Owner and organization names are encoded, so that no name can reach into another's key.
 */
import { ValidationError } from '@numarkdown/protocol'

/** The keys of one cluster. */
export interface JobKeys {
  readonly prefix: string
  /** The hash of one job. */
  job(id: string): string
  /** The ids of an owner's jobs, scored by creation order. */
  ownerIndex(owner: string): string
  /** The ids of an owner's jobs within one organization. */
  organizationIndex(owner: string, organization: string): string
  /** The counter that orders jobs across replicas. */
  readonly sequence: string
  /** Jobs not taken by a worker yet, scored by the time they were queued. */
  readonly pending: string
  /** Finished jobs, scored by the time their record expires: what the owner indexes still have to forget. */
  readonly expiring: string
  /** The pub/sub channel on which every finished job's id is published. */
  readonly finishedChannel: string
  /** The secret that derives the owners of plain-string tokens, alike on every node. */
  readonly ownerSecret: string
  /** BullMQ's prefix for the engine queue. */
  readonly queuePrefix: string
}

/** The name of the engine queue under {@link JobKeys.queuePrefix}. */
export const engineQueueName = 'engine'

export function jobKeys(prefix: string): JobKeys {
  const encode = (name: string): string => encodeURIComponent(name)
  return {
    prefix,
    job: (id) => `${prefix}:job:${id}`,
    ownerIndex: (owner) => `${prefix}:owner-jobs:${encode(owner)}`,
    organizationIndex: (owner, organization) =>
      `${prefix}:owner-jobs:${encode(owner)}:${encode(organization)}`,
    sequence: `${prefix}:sequence`,
    pending: `${prefix}:pending`,
    expiring: `${prefix}:expiring`,
    finishedChannel: `${prefix}:finished`,
    ownerSecret: `${prefix}:owner-secret`,
    queuePrefix: `${prefix}:queue`,
  }
}

/** Check a key prefix: printable, no spaces, short. */
export function checkRedisPrefix(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^[\w.:-]{1,64}$/.test(value)) {
    const parameter = name.replace(/^options\./, '')
    throw new ValidationError(
      `${name} must be 1 to 64 letters, digits or ._:- (a namespace for Redis keys), got ${JSON.stringify(value)}`,
      { parameter },
    )
  }
  return value
}
