/**
 * A job as a Redis hash: the fields written when it is created, and the reading back of a hash into the job the
 * routes show and the document and parameters a worker converts. Times are milliseconds since the epoch. The upload
 * is named by its file name in the upload folder, not by a path: every node joins it to its own mount of the shared
 * folder, and a name read back that is not a bare file name is refused.
 */
import { rm } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { JobStatus } from '@numarkdown/protocol'
import type { EngineDocument, EngineOutput, EngineParams } from '../../types.js'
import type { Principal } from '../auth.js'
import type { JobView } from '../jobs.js'

const statuses = new Set<string>(['pending', 'running', 'completed', 'failed', 'cancelled', 'timeout'])

/** A document of a cluster's job: always a file in the shared upload folder, which every node reads. */
export type SharedDocument = EngineDocument & { path: string }

/** The path of a cluster job's upload: a cluster spools every upload, since another process may run its job. */
export function spooledPath(document: EngineDocument): string {
  if (document.path === undefined) {
    throw new Error(
      `The upload ${document.filename} is held in memory, where no other node of the cluster reads it`,
    )
  }
  return document.path
}

/** The fields of a new job's hash, as field/value pairs. */
export function newJobFields(job: {
  id: string
  principal: Principal
  document: EngineDocument
  params: EngineParams
  now: number
  ttlMs: number
  ownerIndex: string
  organizationIndex: string
}): string[] {
  const { document, principal, params } = job
  const fields: Record<string, string> = {
    id: job.id,
    owner: principal.owner,
    status: 'pending',
    createdAt: String(job.now),
    updatedAt: String(job.now),
    inputData: JSON.stringify({
      filename: document.filename,
      contentType: document.contentType,
      size: document.size,
      sha256: document.sha256,
    }),
    upload: basename(spooledPath(document)),
    params: JSON.stringify(params),
    ttlMs: String(job.ttlMs),
    ownerIndex: job.ownerIndex,
    organizationIndex: job.organizationIndex,
  }
  if (principal.organization !== undefined) fields.organization = principal.organization
  if (params.timeoutMs !== undefined) fields.timeoutMs = String(params.timeoutMs)
  return Object.entries(fields).flat()
}

/** The job the routes show, or undefined for a missing (or unreadable) hash. */
export function readJobView(hash: Record<string, string>): JobView | undefined {
  const { id, owner, status, inputData } = hash
  if (id === undefined || owner === undefined || inputData === undefined || !statuses.has(status ?? '')) {
    return undefined
  }
  const view: JobView = {
    id,
    owner,
    status: status as JobStatus,
    createdAt: date(hash.createdAt) ?? new Date(0),
    updatedAt: date(hash.updatedAt) ?? new Date(0),
    inputData,
  }
  const mutable = view as { -readonly [Key in keyof JobView]: JobView[Key] }
  if (hash.organization !== undefined) mutable.organization = hash.organization
  const startedAt = date(hash.startedAt)
  if (startedAt) mutable.startedAt = startedAt
  const completedAt = date(hash.completedAt)
  if (completedAt) mutable.completedAt = completedAt
  if (hash.output !== undefined) mutable.output = JSON.parse(hash.output) as EngineOutput
  if (hash.errorCode !== undefined) mutable.errorCode = hash.errorCode
  if (hash.errorMessage !== undefined) mutable.errorMessage = hash.errorMessage
  return view
}

/** What a worker needs to run a job. */
export interface WorkOrder {
  document: SharedDocument
  params: EngineParams
  /** When the job times out (ms since the epoch), for a job with a timeout. */
  deadline?: number
}

/** The path of an upload named in a record, in this node's upload folder; throws for a name that is not bare. */
export function uploadPath(uploadDirectory: string, upload: string): string {
  if (upload === '' || basename(upload) !== upload || upload === '.' || upload === '..') {
    throw new Error(`The job's upload name ${JSON.stringify(upload)} is not a file name`)
  }
  return join(uploadDirectory, upload)
}

/** The document (its path in this node's upload folder) and parameters of a job's hash. */
export function readWorkOrder(hash: Record<string, string>, uploadDirectory: string): WorkOrder {
  const path = uploadPath(uploadDirectory, hash.upload ?? '')
  // inputData describes the upload as the client sent it: the engine sees the same.
  const described = JSON.parse(hash.inputData ?? '{}') as Omit<EngineDocument, 'path'>
  const document: SharedDocument = {
    path,
    filename: described.filename,
    contentType: described.contentType,
    size: described.size,
    ...(described.sha256 === undefined ? {} : { sha256: described.sha256 }),
  }
  const params = JSON.parse(hash.params ?? '{}') as EngineParams
  const deadline = Number(hash.deadline)
  return Number.isFinite(deadline) && hash.deadline !== undefined
    ? { document, params, deadline }
    : { document, params }
}

/** The fields that settle a job with an engine's output or an error. */
export function outcomeFields(outcome: {
  output?: EngineOutput
  errorCode?: string
  errorMessage?: string
}): string[] {
  const fields: string[] = []
  if (outcome.output) fields.push('output', JSON.stringify(outcome.output))
  if (outcome.errorCode !== undefined) fields.push('errorCode', outcome.errorCode)
  if (outcome.errorMessage !== undefined) fields.push('errorMessage', outcome.errorMessage)
  return fields
}

function date(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined
  const milliseconds = Number(value)
  return Number.isFinite(milliseconds) ? new Date(milliseconds) : undefined
}

/** Remove an upload named by a record; a name that is not a bare file name is left alone. */
export async function removeUpload(uploadDirectory: string, upload: string): Promise<void> {
  let path: string
  try {
    path = uploadPath(uploadDirectory, upload)
  } catch {
    return
  }
  await rm(path, { force: true }).catch(() => {})
}
