/**
 * A finished job as the caller sees it: the result of a completed job, or the error a failed, cancelled or
 * timed-out one stands for. Reading `outputData` is the contract's (@numarkdown/protocol); the errors are the
 * client's.
 */
import { readOutputData, statusKind } from '@numarkdown/protocol'
import { JobFailedError, JobTimeoutError } from '../errors.js'
import type { ConversionResult, Job } from '../types.js'

/** The JobFailedError (or JobTimeoutError) that a failed, cancelled or timed-out job stands for. */
export function jobFailure(job: Job): JobFailedError {
  const kind = statusKind(job.status)
  const code =
    (typeof job.errorCode === 'string' && job.errorCode) || (kind === 'cancelled' ? 'cancelled' : kind)
  const reason =
    (typeof job.errorMessage === 'string' && job.errorMessage) ||
    (kind === 'cancelled'
      ? 'the job was cancelled'
      : `the job ended with status ${JSON.stringify(job.status)}`)
  const message = `Job ${job.id} ${kind === 'cancelled' ? 'was cancelled' : 'failed'}: ${reason}`
  const details = { jobId: job.id, job, code }
  return kind === 'timeout' || code === 'JobTimeout'
    ? new JobTimeoutError(message, details)
    : new JobFailedError(message, details)
}

/**
 * Turns a finished job into a ConversionResult, reading its `outputData` as @numarkdown/protocol does (both
 * spellings of the API, 200 and 206 alike, the answer recovered from raw output); throws the job's failure.
 */
export function resultFromJob(job: Job, httpStatus = 200): ConversionResult {
  if (statusKind(job.status) !== 'completed') throw jobFailure(job)
  const { markdown, reasoning, partial, recovered, rawResponse, usage } = readOutputData(
    job.outputData,
    httpStatus,
  )
  const result: ConversionResult = { markdown, reasoning, partial, recovered, jobId: job.id, job }
  if (rawResponse !== undefined) result.rawResponse = rawResponse
  if (usage !== undefined) result.usage = usage
  return result
}
