/**
 * A group of tesseract.js workers (worker threads) of one kind (one set of languages, or orientation detection)
 * behind one scheduler. Workers start on demand, one more each time every started worker is busy, up to `size`;
 * they stay up for later documents until `close()`.
 */
import type { Worker as ThreadWorker } from 'node:worker_threads'
import Tesseract from 'tesseract.js'

export class OcrWorkerGroup {
  readonly #size: number
  readonly #start: () => Promise<Tesseract.Worker>
  #scheduler: Tesseract.Scheduler | undefined
  #workers: Array<Promise<Tesseract.Worker>> = []
  #busy = 0
  /** An error a worker thread raised outside any job; the pool fails the next job with it. */
  failure: Error | undefined

  constructor(size: number, start: () => Promise<Tesseract.Worker>) {
    this.#size = size
    this.#start = start
  }

  /** Workers started so far. */
  get workers(): number {
    return this.#workers.length
  }

  #startWorker(): void {
    this.#scheduler ??= Tesseract.createScheduler()
    const scheduler = this.#scheduler
    const started = this.#start().then((worker) => {
      const thread = (worker as unknown as { worker?: ThreadWorker }).worker
      thread?.on('error', (error: Error) => {
        this.failure = error
      })
      scheduler.addWorker(worker)
      return worker
    })
    started.catch(() => {})
    this.#workers.push(started)
  }

  /** Runs a job on the first free worker, starting one when all are busy; throws when none could start. */
  async run<T>(job: (scheduler: Tesseract.Scheduler) => Promise<T>): Promise<T> {
    if (this.#workers.length < this.#size && this.#busy >= this.#workers.length) this.#startWorker()
    try {
      await Promise.any(this.#workers)
    } catch (error) {
      this.#workers = []
      throw new Error(`The OCR engine could not start: ${String(error)}`, { cause: error })
    }
    this.#busy++
    try {
      return await job(this.#scheduler as Tesseract.Scheduler)
    } finally {
      this.#busy--
    }
  }

  /** Stops every worker. The group starts new ones if used again. */
  async close(): Promise<void> {
    const workers = this.#workers
    this.#workers = []
    this.#scheduler = undefined
    await Promise.all(
      workers.map(async (started) => {
        try {
          await (await started).terminate()
        } catch {
          // A worker that failed to start has nothing to stop.
        }
      }),
    )
  }
}
