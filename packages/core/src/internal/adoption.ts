import type { Job, ProgressListener } from '../types.js'
import type { ClientContext } from './client-context.js'
import { listJobsPage } from './job-requests.js'
import type { Operation } from './operation.js'

/** Tolerance on the server clock when matching the creation time of a job to adopt. */
const clockToleranceMs = 5_000

/** What identifies an upload in a job's `inputData`. */
export interface UploadIdentity {
  filename: string
  size: number
  sha256: string
}

/** Reads the job's `inputData` (`{"filename", "contentType", "size", "sha256"}`) when it has that shape. */
export function identityOf(job: Job): Partial<UploadIdentity> | undefined {
  if (typeof job.inputData !== 'string') return undefined
  try {
    const value = JSON.parse(job.inputData) as Record<string, unknown>
    if (!value || typeof value !== 'object') return undefined
    const identity: Partial<UploadIdentity> = {}
    if (typeof value.filename === 'string') identity.filename = value.filename
    if (typeof value.size === 'number') identity.size = value.size
    if (typeof value.sha256 === 'string') identity.sha256 = value.sha256.toLowerCase()
    return identity
  } catch {
    return undefined
  }
}

/**
 * The job a submit created when its answer was lost: same filename, size and SHA-256, created after the submit
 * began (in the server's clock), and not already owned by this client. The newest such job wins.
 */
export function pickAdoptable(
  jobs: Job[],
  upload: UploadIdentity,
  sinceServerTime: number,
  owned: { has(jobId: string): boolean },
): Job | undefined {
  let best: Job | undefined
  let bestTime = -Infinity
  for (const job of jobs) {
    if (!job || typeof job.id !== 'string' || owned.has(job.id)) continue
    const identity = identityOf(job)
    if (
      !identity ||
      identity.sha256 !== upload.sha256 ||
      identity.size !== upload.size ||
      identity.filename !== upload.filename
    ) {
      continue
    }
    const created = Date.parse(String(job.createdAt))
    if (!Number.isNaN(created) && created < sinceServerTime) continue
    const time = Number.isNaN(created) ? 0 : created
    if (time > bestTime) {
      best = job
      bestTime = time
    }
  }
  return best
}

/**
 * After an ambiguous submit failure: the newest job of this owner with the same upload identity, created
 * since the attempt began and not owned already. Identical uploads in flight settle first, so two of them
 * never take the same job.
 */
export async function findLostJob(
  context: ClientContext,
  identity: UploadIdentity,
  attemptStartedAt: number,
  key: string,
  operation: Operation,
  onProgress: ProgressListener | undefined,
): Promise<Job | undefined> {
  const peers = [...(context.submitAttempts.get(key) ?? [])]
  if (peers.length > 0) await Promise.allSettled(peers)
  const first = await listJobsPage(context, { skip: 0, perPage: 100 }, operation, onProgress)
  const items = [...(first.page.items ?? [])]
  const total = first.page.totalCount ?? items.length
  if (total > items.length && items.length > 1) {
    const firstCreated = Date.parse(String(items[0]?.createdAt))
    const lastCreated = Date.parse(String(items[items.length - 1]?.createdAt))
    // Oldest first: the newest jobs are on the last page.
    if (firstCreated < lastCreated) {
      const last = await listJobsPage(
        context,
        { skip: Math.max(0, total - 100), perPage: 100 },
        operation,
        onProgress,
      )
      items.push(...(last.page.items ?? []))
    }
  }
  const skew = first.serverNow === undefined ? 0 : first.serverNow - first.localNow
  const since = attemptStartedAt + skew - clockToleranceMs
  const job = pickAdoptable(items, identity, since, context.ownedJobs)
  if (job) context.ownedJobs.add(job.id)
  return job
}
