import type { Logger } from '../types.js'
import type { BackgroundTasks } from './background-tasks.js'
import type { ConversionQueue } from './conversion-queue.js'
import type { Http } from './http.js'
import type { ResolvedClientOptions } from './options.js'
import type { OwnedJobs } from './owned-jobs.js'
import type { ProgressEmitter } from './progress.js'
import type { RetryPolicy } from './retry.js'

/**
 * What the parts of one client share: its options, connection pool, concurrency limit, progress listeners and
 * the jobs it owns. Each call carries it (see call.ts), so that the modules under `internal/` hold no state.
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
