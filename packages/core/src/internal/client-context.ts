import { RateLimitError } from '../errors.js'
import type { Logger, ProgressEvent, ProgressListener } from '../types.js'
import type { BackgroundTasks } from './background-tasks.js'
import type { ConversionQueue } from './conversion-queue.js'
import type { Http } from './http.js'
import type { Operation } from './operation.js'
import type { ResolvedClientOptions } from './options.js'
import type { OwnedJobs } from './owned-jobs.js'
import type { ProgressEmitter } from './progress.js'
import type { RetryPolicy, RetryReporter } from './retry.js'

/**
 * What the parts of one client share: its options, connection pool, concurrency limit, progress listeners and
 * the jobs it owns. The modules under `internal/` take it as their first argument so that they hold no state.
 */
export interface ClientContext {
  readonly options: ResolvedClientOptions
  readonly http: Http
  readonly logger: Logger
  readonly retryPolicy: RetryPolicy
  readonly queue: ConversionQueue
  readonly progress: ProgressEmitter
  readonly ownedJobs: OwnedJobs
  /** Submit attempts in flight per upload, so a search for a lost job first lets its peers settle. */
  readonly submitAttempts: Map<string, Set<Promise<unknown>>>
  /** Fires when the client is closed. */
  readonly closeSignal: AbortSignal
  /** Remote cancels and late job IDs that calls ended at their deadline or abort leave behind. */
  readonly background: BackgroundTasks
}

/** Reports a retry: a 429 lowers the client's limit, and the retry is logged and emitted as progress. */
export function retryReporter(
  context: ClientContext,
  operationName: Extract<ProgressEvent, { type: 'retry' }>['operation'],
  operation: Operation,
  onProgress: ProgressListener | undefined,
  jobId?: string,
): RetryReporter {
  return (error, attempt, delayMs) => {
    if (error instanceof RateLimitError) context.queue.limit.rateLimited()
    context.logger.info(`numarkdown ${operationName} retry ${attempt} in ${delayMs} ms: ${error.message}`, {
      operation: operationName,
      attempt,
      delayMs,
      error: error.message,
    })
    context.progress.emit(
      {
        type: 'retry',
        operation: operationName,
        attempt,
        delayMs,
        error,
        ...(jobId === undefined ? {} : { jobId }),
        elapsedMs: operation.elapsedMs(),
      },
      onProgress,
    )
  }
}
