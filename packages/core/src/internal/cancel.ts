/** Cancelling a job: on request, and in the background after a call ended at its deadline or on abort. */
import { isTerminal, statusKind } from '@numarkdown/protocol'
import type { CancelResult } from '../types.js'
import { Call } from './call.js'
import type { ClientContext } from './client-context.js'
import { Operation } from './operation.js'
import { retryRead } from './retry.js'

/**
 * Asks the server to cancel a job (`POST /api/jobs/{jobId}/cancel`), retrying transient failures. An older
 * server without the route (404/405/501) gives `{ cancelled: false, supported: false }`, never an error.
 */
export async function cancelJob(call: Call, jobId: string): Promise<CancelResult> {
  const { client, operation } = call
  const retried = { operation, policy: client.retryPolicy, onRetry: call.retryReporter('cancel', jobId) }
  return retryRead(retried, async () => {
    const response = await client.http.send({
      method: 'POST',
      path: `api/jobs/${encodeURIComponent(jobId)}/cancel`,
      headers: { accept: 'application/json, text/plain' },
      operation,
      jobId,
    })
    if (response.status === 404 || response.status === 405 || response.status === 501) {
      await response.body.dump().catch(() => {})
      return { cancelled: false, supported: false }
    }
    if (response.status === 409) {
      // The job had already finished.
      await response.body.dump().catch(() => {})
      return { cancelled: false, supported: true }
    }
    if (response.status < 200 || response.status >= 300) {
      throw await client.http.error(response, operation, jobId)
    }
    const text = await client.http.text(response, operation, jobId).catch(() => '')
    let status: unknown
    try {
      status = (JSON.parse(text) as { status?: unknown }).status
    } catch {
      status = undefined
    }
    // A server that answers with the job: one that had already finished otherwise was not cancelled.
    const finishedOtherwise = isTerminal(status) && statusKind(status) !== 'cancelled'
    return { cancelled: !finishedOtherwise, supported: true }
  })
}

/** Cancels a job after an abort or deadline in the background: the call that ended does not wait for it. */
export function cancelInBackground(client: ClientContext, jobId: string): void {
  client.background.run(`cancel of job ${jobId}`, () => cancelQuietly(client, jobId))
}

/**
 * Best-effort cancel after an abort or deadline: bounded in time, never throws. It runs on its own operation
 * because the caller's has already been aborted.
 */
export async function cancelQuietly(client: ClientContext, jobId: string): Promise<void> {
  const operation = new Operation({ timeoutMs: Math.min(10_000, client.options.requestTimeoutMs) })
  client.background.cancelling.add(jobId)
  try {
    const outcome = await cancelJob(new Call(client, operation), jobId)
    client.logger.info(
      `numarkdown cancel of job ${jobId} after abort: ${outcome.cancelled ? 'done' : 'not done'}`,
      { jobId, ...outcome },
    )
  } catch (error) {
    client.logger.warn(`numarkdown could not cancel job ${jobId} after abort`, { jobId, error })
  } finally {
    operation.end()
    client.background.cancelling.delete(jobId)
  }
}
