/**
 * Finding the job a submit created when its answer was lost, so that sending the upload again never creates a
 * second one.
 */
import type { Job } from '../types.js'
import type { Call } from './call.js'
import { listJobsPage } from './job-requests.js'
import { escapeFilename } from './multipart.js'

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

/** What a job must match to be adopted: the upload's identity, created since, and not owned already. */
export interface AdoptionRule {
  upload: UploadIdentity
  /** Epoch milliseconds in the server's clock. */
  sinceServerTime: number
  owned: { has(jobId: string): boolean }
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
  { upload, sinceServerTime, owned }: AdoptionRule,
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

/** The upload whose job is sought, when its attempt began (our clock), and its peers' key (its size). */
export interface LostJobSearch {
  identity: UploadIdentity
  attemptStartedAt: number
  key: string
}

/**
 * After an ambiguous submit failure: the job of this owner with the same content, created since the attempt
 * began and not owned already (see {@link pickAdoptable}). Uploads of the same size in flight (`key`) settle
 * first, so two uploads of the same bytes never take the same job, whatever their names.
 */
export async function findLostJob(call: Call, search: LostJobSearch): Promise<Job | undefined> {
  const { client, operation } = call
  const { identity, attemptStartedAt, key } = search
  const peers = [...(client.submitAttempts.get(key) ?? [])]
  // A peer may be held by a server that never answers: the deadline of this call still counts.
  if (peers.length > 0) await operation.race(Promise.allSettled(peers))
  operation.throwIfAborted()
  const first = await listJobsPage(call, { skip: 0, perPage: 100 })
  const items = [...(first.page.items ?? [])]
  const total = first.page.totalCount ?? items.length
  if (total > items.length && items.length > 1) {
    const firstCreated = Date.parse(String(items[0]?.createdAt))
    const lastCreated = Date.parse(String(items[items.length - 1]?.createdAt))
    // Oldest first: the newest jobs are on the last page.
    if (firstCreated < lastCreated) {
      const last = await listJobsPage(call, { skip: Math.max(0, total - 100), perPage: 100 })
      items.push(...(last.page.items ?? []))
    }
  }
  const skew = first.serverNow === undefined ? 0 : first.serverNow - first.localNow
  const since = attemptStartedAt + skew - clockToleranceMs
  const job = pickAdoptable(items, { upload: identity, sinceServerTime: since, owned: client.ownedJobs })
  if (job) client.ownedJobs.add(job.id)
  return job
}
