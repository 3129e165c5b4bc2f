import type { ConversionResult, ProgressListener, WaitStrategy } from '../types.js'
import type { ClientContext } from './client-context.js'
import type { UploadSource } from './input.js'
import type { Operation } from './operation.js'
import { submitUpload } from './submit.js'
import { waitForJob } from './waiter.js'

/**
 * One conversion of a prepared upload: submit, then wait for the job. It holds a slot of the client's limit
 * from submit to result, since a job waited on still occupies the server.
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
    return waitForJob(context, jobId, strategy, operation, onProgress, true)
  })
}
