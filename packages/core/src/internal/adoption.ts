import type { Job } from '../types.js'

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
