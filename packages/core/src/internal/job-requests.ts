import type { JobList } from '@numarkdown/protocol'
import { ConnectionError } from '../errors.js'
import type { Job, ProgressListener } from '../types.js'
import { type ClientContext, retryReporter } from './client-context.js'
import type { ResponseHeaders } from './http.js'
import { Operation } from './operation.js'
import { type RetryPolicy, retryRead } from './retry.js'

/** One page of `GET /api/jobs`; every field may be missing from an older or foreign server. */
export type JobsPage = Partial<JobList>

/** A page of jobs with the server's clock (`Date` header) and ours when it arrived, to match creation times. */
export interface DatedJobsPage {
  page: JobsPage
  serverNow: number | undefined
  localNow: number
}

/**
 * Reads a job (`GET /api/jobs/{jobId}`), retrying transient failures (by `policy`, the client's unless given);
 * rejects an answer that is not a job.
 */
export async function readJob(
  context: ClientContext,
  jobId: string,
  operation: Operation,
  onProgress?: ProgressListener,
  policy: RetryPolicy = context.retryPolicy,
): Promise<{ job: Job; status: number; headers: ResponseHeaders }> {
  return retryRead(
    async () => {
      const response = await context.http.json<Job>({
        method: 'GET',
        path: `api/jobs/${encodeURIComponent(jobId)}`,
        operation,
        jobId,
      })
      context.queue.limit.succeeded()
      if (!response.body || typeof response.body !== 'object' || typeof response.body.status !== 'string') {
        throw new ConnectionError('The server answered with something that is not a job', {
          code: 'invalid_response',
          jobId,
        })
      }
      return { job: response.body, status: response.status, headers: response.headers }
    },
    policy,
    operation,
    retryReporter(context, 'getJob', operation, onProgress, jobId),
  )
}

/** Reads one page of the owner's jobs (`GET /api/jobs`), retrying transient failures. */
export async function listJobsPage(
  context: ClientContext,
  page: { skip: number; perPage: number; organization?: string | undefined },
  operation: Operation,
  onProgress?: ProgressListener,
): Promise<DatedJobsPage> {
  return retryRead(
    async () => {
      const response = await context.http.json<JobsPage>({
        method: 'GET',
        path: 'api/jobs',
        query: { skip: page.skip, perPage: page.perPage, organization: page.organization },
        operation,
      })
      context.queue.limit.succeeded()
      const date = Date.parse(String(response.headers.date ?? ''))
      return { page: response.body, serverNow: Number.isNaN(date) ? undefined : date, localNow: Date.now() }
    },
    context.retryPolicy,
    operation,
    retryReporter(context, 'list', operation, onProgress),
  )
}

/**
 * Pages through the owner's jobs from `skip`, `perPage` at a time, until `totalCount` (or, from a server that
 * gives none, a short page). Each page gets its own deadline: a long listing is bounded per request, not overall.
 * `toError` turns a failure into the error the caller sees, given the page's operation.
 */
export async function* pageThroughJobs(
  context: ClientContext,
  listing: {
    skip: number
    perPage: number
    organization: string | undefined
    signal: AbortSignal | undefined
  },
  toError: (error: unknown, operation: Operation) => Error,
): AsyncGenerator<Job> {
  const { perPage, organization, signal } = listing
  let skip = listing.skip
  while (true) {
    const operation = new Operation(signal, context.options.timeoutMs, undefined, context.closeSignal)
    let page: JobsPage
    try {
      page = (await listJobsPage(context, { skip, perPage, organization }, operation)).page
    } catch (error) {
      throw toError(error, operation)
    }
    const items = Array.isArray(page.items) ? page.items : []
    for (const job of items) yield job
    skip += items.length
    const total = typeof page.totalCount === 'number' ? page.totalCount : undefined
    if (
      items.length === 0 ||
      (total !== undefined && skip >= total) ||
      (total === undefined && items.length < perPage)
    ) {
      return
    }
  }
}
