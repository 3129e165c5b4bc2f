/** The reads of jobs: one job, one page of the owner's jobs, and every job page after page. */
import type { JobList } from '@numarkdown/protocol'
import { ConnectionError } from '../errors.js'
import type { Job } from '../types.js'
import { Call } from './call.js'
import type { ClientContext } from './client-context.js'
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
  call: Call,
  jobId: string,
  policy?: RetryPolicy,
): Promise<{ job: Job; status: number; headers: ResponseHeaders }> {
  const { client, operation } = call
  const retried = {
    operation,
    policy: policy ?? client.retryPolicy,
    onRetry: call.retryReporter('getJob', jobId),
  }
  return retryRead(retried, async () => {
    const response = await client.http.json<Job>({
      method: 'GET',
      path: `api/jobs/${encodeURIComponent(jobId)}`,
      operation,
      jobId,
    })
    client.queue.limit.succeeded()
    if (!response.body || typeof response.body !== 'object' || typeof response.body.status !== 'string') {
      throw new ConnectionError('The server answered with something that is not a job', {
        code: 'invalid_response',
        jobId,
      })
    }
    return { job: response.body, status: response.status, headers: response.headers }
  })
}

/** Reads one page of the owner's jobs (`GET /api/jobs`), retrying transient failures. */
export async function listJobsPage(
  call: Call,
  page: { skip: number; perPage: number; organization?: string | undefined },
): Promise<DatedJobsPage> {
  const { client, operation } = call
  const retried = { operation, policy: client.retryPolicy, onRetry: call.retryReporter('list') }
  return retryRead(retried, async () => {
    const response = await client.http.json<JobsPage>({
      method: 'GET',
      path: 'api/jobs',
      query: { skip: page.skip, perPage: page.perPage, organization: page.organization },
      operation,
    })
    client.queue.limit.succeeded()
    const date = Date.parse(String(response.headers.date ?? ''))
    return { page: response.body, serverNow: Number.isNaN(date) ? undefined : date, localNow: Date.now() }
  })
}

/**
 * Pages through the owner's jobs from `skip`, `perPage` at a time, until `totalCount` (or, from a server that
 * gives none, a short page). Each page gets its own deadline: a long listing is bounded per request, not overall.
 * `toError` turns a failure into the error the caller sees, given the page's operation.
 */
export async function* pageThroughJobs(
  client: ClientContext,
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
    const operation = new Operation({
      signal,
      timeoutMs: client.options.timeoutMs,
      closeSignal: client.closeSignal,
    })
    let page: JobsPage
    try {
      page = (await listJobsPage(new Call(client, operation), { skip, perPage, organization })).page
    } catch (error) {
      throw toError(error, operation)
    } finally {
      operation.end()
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
