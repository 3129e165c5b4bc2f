import type { Job, ProgressListener } from '../types.js'
import type { ClientContext } from './client-context.js'
import { listJobsPage } from './job-requests.js'
import { escapeFilename } from './multipart.js'
import type { Operation } from './operation.js'

/** Tolerance on the server clock when matching the creation time of a job to adopt. */
const clockToleranceMs = 5_000

/** What identifies an upload in a job's `inputData`: its content (size, SHA-256); the filename breaks ties. */
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
 * The job a submit created when its answer was lost: the same content (SHA-256 and size), created after the
 * submit began (in the server's clock), and not already owned by this client. The filename is not required to
 * match: a server may record it otherwise than it was sent (decoded as latin1, trimmed, `%22` left escaped), and
 * a name that fails to match would send the upload again and create a second job. Among several jobs with the
 * same content, one recorded under the name sent comes first, then the newest.
 */
export function pickAdoptable(
  jobs: Job[],
  upload: UploadIdentity,
  sinceServerTime: number,
  owned: { has(jobId: string): boolean },
): Job | undefined {
  let best: Job | undefined
  let bestRank: [number, number] = [-1, -Infinity]
  for (const job of jobs) {
    if (!job || typeof job.id !== 'string' || owned.has(job.id)) continue
    const identity = identityOf(job)
    if (!identity || identity.sha256 !== upload.sha256 || identity.size !== upload.size) continue
    const created = Date.parse(String(job.createdAt))
    if (!Number.isNaN(created) && created < sinceServerTime) continue
    const rank: [number, number] = [
      sameName(identity.filename, upload.filename) ? 1 : 0,
      Number.isNaN(created) ? 0 : created,
    ]
    if (rank[0] > bestRank[0] || (rank[0] === bestRank[0] && rank[1] > bestRank[1])) {
      best = job
      bestRank = rank
    }
  }
  return best
}

/** Whether a server recorded the name sent, as sent or still escaped the way it went over the wire. */
function sameName(recorded: string | undefined, sent: string): boolean {
  return recorded !== undefined && (recorded === sent || recorded === escapeFilename(sent))
}

/**
 * After an ambiguous submit failure: the job of this owner with the same content, created since the attempt
 * began and not owned already (see {@link pickAdoptable}). Uploads of the same size in flight (`key`) settle
 * first, so two uploads of the same bytes never take the same job, whatever their names.
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
  // A peer may be held by a server that never answers: the deadline of this call still counts.
  if (peers.length > 0) await operation.race(Promise.allSettled(peers))
  operation.throwIfAborted()
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
