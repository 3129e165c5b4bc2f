/** Waiting for a job to finish: over its event stream, by polling, or the stream first and polling after. */
import { isTerminal } from '@numarkdown/protocol'
import { ConnectionError } from '../errors.js'
import type { ConversionResult, Job, WaitStrategy } from '../types.js'
import type { Call } from './call.js'
import { cancelInBackground } from './cancel.js'
import { readJob } from './job-requests.js'
import { resultFromJob } from './result.js'
import { nextDelay, parseRetryAfter, type RetryPolicy, waitRetryPolicy } from './retry.js'
import { readJobStream } from './sse.js'

/** Consecutive failed stream connections after which `auto` gives up on SSE and polls. */
const streamFailuresBeforePolling = 3

/** How to wait: `sse`, `poll` or `auto`; and whether an abort or the deadline cancels the remote job. */
export interface WaitPlan {
  strategy: WaitStrategy
  cancelOnAbort: boolean
}

/** One wait in progress: its job, its retry policy, and where each state of the job seen is reported. */
interface Waiting {
  jobId: string
  strategy: WaitStrategy
  policy: RetryPolicy
  report: (job: Job) => void
}

/** A finished job and the HTTP status it was read with (206 marks a partial result). */
interface Finished {
  job: Job
  httpStatus: number
}

/**
 * Waits for a job to finish: over its event stream unless `strategy` is `poll`, else (or when `auto` gives up
 * on the stream) by polling. Emits `status` on each change and `done` at the end. On abort or deadline the
 * remote job is cancelled in the background (best effort) unless `cancelOnAbort` is false or the client was
 * closed: the call ends at once.
 */
export async function waitForJob(call: Call, jobId: string, plan: WaitPlan): Promise<ConversionResult> {
  const { operation } = call
  let lastStatus: string | undefined
  const report = (job: Job) => {
    if (typeof job.status === 'string' && job.status !== lastStatus) {
      lastStatus = job.status
      call.emit({ type: 'status', jobId, status: job.status })
    }
  }
  const finish = ({ job, httpStatus }: Finished) => {
    report(job)
    const result = resultFromJob(job, httpStatus)
    call.emit({ type: 'done', jobId, partial: result.partial })
    return result
  }
  const waiting: Waiting = {
    jobId,
    strategy: plan.strategy,
    policy: waitRetryPolicy(call.client.retryPolicy),
    report,
  }
  try {
    if (plan.strategy !== 'poll') {
      const outcome = await waitByStream(call, waiting)
      if (outcome) return finish(outcome)
    }
    return finish(await waitByPolling(call, waiting))
  } catch (error) {
    if (operation.aborted && plan.cancelOnAbort && !operation.closed) cancelInBackground(call.client, jobId)
    throw error
  }
}

/** SSE with reconnects; undefined when `auto` should fall back to polling. */
async function waitByStream(call: Call, waiting: Waiting): Promise<Finished | undefined> {
  const { client, operation } = call
  const { jobId, strategy, policy, report } = waiting
  let failures = 0
  for (let attempt = 0; ; attempt++) {
    const outcome = await readJobStream(call, {
      jobId,
      silenceMs: 2 * client.options.pingIntervalMs,
      onJob: report,
    })
    if (outcome.kind === 'finished') return outcome
    if (outcome.kind === 'unsupported') {
      // A 404 may mean "no such job" rather than "no stream": reading the job tells which.
      const { job, status } = await readJob(call, jobId, policy)
      report(job)
      if (isTerminal(job.status)) return { job, httpStatus: status }
      if (strategy === 'sse') throw outcome.error
      client.logger.info(`numarkdown: no event stream for job ${jobId}, polling instead`, { jobId })
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
    const { job, status } = await readJob(call, jobId, policy)
    report(job)
    if (isTerminal(job.status)) return { job, httpStatus: status }
    if (strategy === 'auto' && failures >= streamFailuresBeforePolling) {
      client.logger.info(`numarkdown: event stream of job ${jobId} keeps failing, polling instead`, {
        jobId,
      })
      return undefined
    }
    // A delay past the deadline means waiting for the deadline: the wait then ends with TimeoutError.
    const delay =
      nextDelay(error, { attempt: failures - 1, policy, operation }) ?? Math.max(0, operation.remainingMs())
    call.retryReporter('wait', jobId)(error, attempt + 1, delay)
    await operation.sleep(delay, jobId)
  }
}

/**
 * Polling with an interval that starts small and grows to a cap, stretched when the server asks with
 * `Retry-After`, never past the deadline.
 */
async function waitByPolling(call: Call, waiting: Waiting): Promise<Finished> {
  const { client, operation } = call
  const { jobId, policy, report } = waiting
  let interval = client.options.pollInitialMs
  while (true) {
    const { job, status, headers } = await readJob(call, jobId, policy)
    report(job)
    if (isTerminal(job.status)) return { job, httpStatus: status }
    const delay = pollDelay(interval, headers['retry-after'])
    await operation.sleep(Math.min(delay, Math.max(0, operation.remainingMs())), jobId)
    interval = Math.min(client.options.pollMaxMs, Math.ceil(interval * 1.5))
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
