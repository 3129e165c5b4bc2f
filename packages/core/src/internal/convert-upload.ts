import { NotFoundError } from '../errors.js'
import type { ConversionResult, ProgressListener, WaitStrategy } from '../types.js'
import type { ClientContext } from './client-context.js'
import type { UploadSource } from './input.js'
import type { Operation } from './operation.js'
import { submitUpload } from './submit.js'
import { waitForJob } from './waiter.js'

/**
 * One conversion of a prepared upload: submit, then wait for the job. It holds a slot of the client's limit
 * from submit to result, since a job waited on still occupies the server.
 *
 * A job this conversion created that the server no longer knows (404 while waiting: a self-hosted server that
 * restarted, a job store that expired it) is submitted again, once, with a `resubmit` progress event: the
 * upload is still at hand, and the caller asked for a result, not for that job.
 */
export function convertUpload(
  context: ClientContext,
  source: UploadSource,
  query: Record<string, string>,
  strategy: WaitStrategy,
  operation: Operation,
  onProgress: ProgressListener | undefined,
): Promise<ConversionResult> {
  return context.queue.run(operation, async () => {
    const { jobId } = await submitUpload(context, source, query, operation, onProgress)
    try {
      return await waitForJob(context, jobId, strategy, operation, onProgress, true)
    } catch (error) {
      if (!(error instanceof NotFoundError) || error.jobId !== jobId || !source.reReadable) throw error
      context.logger.info(
        `numarkdown: the server no longer knows job ${jobId}; submitting ${source.filename} again`,
        {
          jobId,
          filename: source.filename,
        },
      )
      context.progress.emit(
        { type: 'resubmit', jobId, filename: source.filename, error, elapsedMs: operation.elapsedMs() },
        onProgress,
      )
      const again = await submitUpload(context, source, query, operation, onProgress)
      return waitForJob(context, again.jobId, strategy, operation, onProgress, true)
    }
  })
}
