/**
 * One call of the client (`convert()`, `submit()`, `wait()`, ...) as the internal modules see it: the client it
 * runs in, its deadline and cancellation, and the caller's own progress listener. The three always travel
 * together, so every internal function takes this one object instead of the three by position.
 */
import { RateLimitError } from '../errors.js'
import type { ProgressEvent, ProgressListener } from '../types.js'
import type { ClientContext } from './client-context.js'
import type { Operation } from './operation.js'
import type { RetryReporter } from './retry.js'

/** A progress event as a call reports it: the call adds the time elapsed since it began. */
export type CallEvent = ProgressEvent extends infer Event
  ? Event extends unknown
    ? Omit<Event, 'elapsedMs'>
    : never
  : never

/** The operations a `retry` event names. */
export type RetriedOperation = Extract<ProgressEvent, { type: 'retry' }>['operation']

/** The page range a call converts within a split conversion: its pages, and who records its job. */
export interface CallRange {
  pageNumber: number
  lastPageNumber: number
  /** Told each job created for the range (a resubmit creates another). */
  onJob(jobId: string): void
}

export class Call {
  /** What every call of the client shares: options, connections, limit, listeners, owned jobs. */
  readonly client: ClientContext
  /** This call's deadline and cancellation. */
  readonly operation: Operation
  /** The caller's `onProgress`, called before the client's own listeners. */
  readonly onProgress: ProgressListener | undefined
  /** The page range this call converts, for one range of a split document. */
  readonly range: CallRange | undefined

  constructor(client: ClientContext, operation: Operation, onProgress?: ProgressListener, range?: CallRange) {
    this.client = client
    this.operation = operation
    this.onProgress = onProgress
    this.range = range
  }

  /**
   * The same call under another operation, for one page range of a split document: its siblings may stop it,
   * and its `submitted` events name its pages.
   */
  under(operation: Operation, range: CallRange): Call {
    return new Call(this.client, operation, this.onProgress, range)
  }

  /** Reports progress to the caller's listener, then to the client's, with the call's elapsed time. */
  emit(event: CallEvent): void {
    if (event.type === 'submitted' && this.range) {
      const { pageNumber, lastPageNumber } = this.range
      this.range.onJob(event.jobId)
      event = { ...event, pageNumber, lastPageNumber }
    }
    // Nobody listens: no event is made (several per conversion, some between the result and the caller).
    if (!this.onProgress && !this.client.progress.listened) return
    this.client.progress.emit(
      { ...event, elapsedMs: this.operation.elapsedMs() } as ProgressEvent,
      this.onProgress,
    )
  }

  /** Reports each retry of `name`: a 429 lowers the client's limit, and the retry is logged and emitted. */
  retryReporter(name: RetriedOperation, jobId?: string): RetryReporter {
    return (error, attempt, delayMs) => {
      if (error instanceof RateLimitError) this.client.queue.limit.rateLimited()
      this.client.logger.info(`numarkdown ${name} retry ${attempt} in ${delayMs} ms: ${error.message}`, {
        operation: name,
        attempt,
        delayMs,
        error: error.message,
      })
      this.emit({
        type: 'retry',
        operation: name,
        attempt,
        delayMs,
        error,
        ...(jobId === undefined ? {} : { jobId }),
      })
    }
  }
}
