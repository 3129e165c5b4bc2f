/** One conversion of a prepared upload: submit, wait, and one resubmit when the server lost the job. */
import { NotFoundError } from '../errors.js'
import type { ConversionResult, WaitStrategy } from '../types.js'
import type { Call } from './call.js'
import type { UploadSource } from './input.js'
import { submitUpload } from './submit.js'
import { waitForJob } from './waiter.js'

/** What a conversion asks of the server: the query of its parameters, and how to wait for its job. */
export interface ConversionRequest {
  query: Record<string, string>
  strategy: WaitStrategy
  /** Whether an abort or the deadline cancels the remote job. @default true */
  cancelOnAbort?: boolean
}

/**
 * One conversion of a prepared upload: submit, then wait for the job. It holds a slot of the client's limit
 * from submit to result, since a job waited on still occupies the server.
 *
 * A job this conversion created that the server no longer knows (404 while waiting: a self-hosted server that
 * restarted, a job store that expired it) is submitted again, once, with a `resubmit` progress event: the
 * upload is still at hand, and the caller asked for a result, not for that job.
 */
export function convertUpload(
  call: Call,
  source: UploadSource,
  { query, strategy, cancelOnAbort = true }: ConversionRequest,
): Promise<ConversionResult> {
  const { client } = call
  // The job was created for this call: a call that ends early leaves nothing running, unless asked to.
  const plan = { strategy, cancelOnAbort }
  return client.queue.run(call.operation, async () => {
    const { jobId } = await submitUpload(call, source, query)
    try {
      return await waitForJob(call, jobId, plan)
    } catch (error) {
      if (!(error instanceof NotFoundError) || error.jobId !== jobId || !source.reReadable) throw error
      client.logger.info(
        `numarkdown: the server no longer knows job ${jobId}; submitting ${source.filename} again`,
        {
          jobId,
          filename: source.filename,
        },
      )
      call.emit({ type: 'resubmit', jobId, filename: source.filename, error })
      const again = await submitUpload(call, source, query)
      return waitForJob(call, again.jobId, plan)
    }
  })
}
