import { isTerminal } from '@numarkdown/protocol'
import { ConnectionError } from '../errors.js'
import type { ConversionResult, Job, ProgressListener, WaitStrategy } from '../types.js'
import { parseRetryAfter } from './backoff.js'
import { cancelInBackground } from './cancel.js'
import { type ClientContext, retryReporter } from './client-context.js'
import { readJob } from './job-requests.js'
import type { Operation } from './operation.js'
import { resultFromJob } from './result.js'
import { nextDelay, type RetryPolicy, waitRetryPolicy } from './retry.js'
import { readJobStream } from './sse.js'

/** Consecutive failed stream connections after which `auto` gives up on SSE and polls. */
const streamFailuresBeforePolling = 3

/**
 * Waits for a job to finish: over its event stream unless `strategy` is `poll`, else (or when `auto` gives up
 * on the stream) by polling. Emits `status` on each change and `done` at the end. On abort or deadline the
 * remote job is cancelled in the background (best effort) unless `cancelOnAbort` is false or the client was
 * closed: the call ends at once.
 */
export async function waitForJob(
  context: ClientContext,
  jobId: string,
  strategy: WaitStrategy,
  operation: Operation,
  onProgress: ProgressListener | undefined,
  cancelOnAbort: boolean,
): Promise<ConversionResult> {
  let lastStatus: string | undefined
  const report = (job: Job) => {
    if (typeof job.status === 'string' && job.status !== lastStatus) {
      lastStatus = job.status
      context.progress.emit(
        { type: 'status', jobId, status: job.status, elapsedMs: operation.elapsedMs() },
        onProgress,
      )
    }
  }
  const finish = (job: Job, httpStatus: number) => {
    report(job)
    const result = resultFromJob(job, httpStatus)
    context.progress.emit(
      { type: 'done', jobId, partial: result.partial, elapsedMs: operation.elapsedMs() },
      onProgress,
    )
    return result
  }
  const policy = waitRetryPolicy(context.retryPolicy)
  try {
    if (strategy !== 'poll') {
      const outcome = await waitByStream(context, jobId, strategy, operation, onProgress, report, policy)
      if (outcome) return finish(outcome.job, outcome.httpStatus)
    }
    const outcome = await waitByPolling(context, jobId, operation, onProgress, report, policy)
    return finish(outcome.job, outcome.httpStatus)
  } catch (error) {
    if (operation.aborted && cancelOnAbort && !operation.closed) cancelInBackground(context, jobId)
    throw error
  }
}

/** SSE with reconnects; undefined when `auto` should fall back to polling. */
async function waitByStream(
  context: ClientContext,
  jobId: string,
  strategy: WaitStrategy,
  operation: Operation,
  onProgress: ProgressListener | undefined,
  report: (job: Job) => void,
  policy: RetryPolicy,
): Promise<{ job: Job; httpStatus: number } | undefined> {
  let failures = 0
  for (let attempt = 0; ; attempt++) {
    const outcome = await readJobStream(
      context.http,
      operation,
      jobId,
      2 * context.options.pingIntervalMs,
      report,
    )
    if (outcome.kind === 'finished') return outcome
    if (outcome.kind === 'unsupported') {
      // A 404 may mean "no such job" rather than "no stream": reading the job tells which.
      const { job, status } = await readJob(context, jobId, operation, onProgress, policy)
      report(job)
      if (isTerminal(job.status)) return { job, httpStatus: status }
      if (strategy === 'sse') throw outcome.error
      context.logger.info(`numarkdown: no event stream for job ${jobId}, polling instead`, { jobId })
      return undefined
    }
    failures = outcome.sawEvent ? 1 : failures + 1
    const error =
      outcome.error ??
      new ConnectionError(`The event stream of job ${jobId} dropped: ${outcome.reason}`, {
        code: 'stream_dropped',
        jobId,
      })
    // Read the job once: it may have finished while the stream was down.
    const { job, status } = await readJob(context, jobId, operation, onProgress, policy)
    report(job)
    if (isTerminal(job.status)) return { job, httpStatus: status }
    if (strategy === 'auto' && failures >= streamFailuresBeforePolling) {
      context.logger.info(`numarkdown: event stream of job ${jobId} keeps failing, polling instead`, {
        jobId,
      })
      return undefined
    }
    // A delay past the deadline means waiting for the deadline: the wait then ends with TimeoutError.
    const delay = nextDelay(error, failures - 1, policy, operation) ?? Math.max(0, operation.remainingMs())
    retryReporter(context, 'wait', operation, onProgress, jobId)(error, attempt + 1, delay)
    await operation.sleep(delay, jobId)
  }
}

/**
 * Polling with an interval that starts small and grows to a cap, stretched when the server asks with
 * `Retry-After`, never past the deadline.
 */
async function waitByPolling(
  context: ClientContext,
  jobId: string,
  operation: Operation,
  onProgress: ProgressListener | undefined,
  report: (job: Job) => void,
  policy: RetryPolicy,
): Promise<{ job: Job; httpStatus: number }> {
  let interval = context.options.pollInitialMs
  while (true) {
    const { job, status, headers } = await readJob(context, jobId, operation, onProgress, policy)
    report(job)
    if (isTerminal(job.status)) return { job, httpStatus: status }
    const delay = pollDelay(interval, headers['retry-after'])
    await operation.sleep(Math.min(delay, Math.max(0, operation.remainingMs())), jobId)
    interval = Math.min(context.options.pollMaxMs, Math.ceil(interval * 1.5))
  }
}

/**
 * The pause before the next poll: the current interval, stretched when the server asks for longer with
 * `Retry-After` (delta-seconds or an HTTP date); a shorter request never speeds polling up.
 */
export function pollDelay(
  intervalMs: number,
  retryAfter: string | string[] | undefined,
  now: number = Date.now(),
): number {
  const asked = parseRetryAfter(retryAfter, now)
  return asked === undefined ? intervalMs : Math.max(intervalMs, asked)
}
