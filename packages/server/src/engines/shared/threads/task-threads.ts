/**
 * Where the engines' CPU work is dispatched: a piscina pool of worker threads, sized to the machine, started on
 * the first task and stopped by `close()`. Parsing a burst of PDFs on the main thread stalled every other request
 * of the server for seconds; in the pool, the main thread only moves messages. With `threads: 0` the work runs on
 * the main thread (the way to compare, and a fallback for hosts where threads are unwelcome).
 *
 * A task's call returns only once the thread has stopped working on it: aborting a job tells the thread, which
 * stops at its next step (between pages), so that the upload it reads is never removed under it.
 */
import { createRequire } from 'node:module'
import { MessageChannel } from 'node:worker_threads'
import { Piscina } from 'piscina'
import { abortReason, engineFailure } from '../engine-failure.js'
import {
  deserializeError,
  type PerformTask,
  serveCalls,
  type TaskOutcome,
  type ThreadMessage,
  type ThreadTask,
} from './thread-messages.js'

/** Idle threads stop after this long; the next task starts one again. */
const idleTimeoutMs = 60_000

/** Options of {@link TaskThreads}. */
export interface TaskThreadsOptions<Task extends ThreadTask, Calls> {
  /** The most threads at once; 0 runs every task on the main thread. */
  threads: number
  /**
   * The module a thread runs (`export default taskThreadEntry(perform)`), as its built `.js` file beside the
   * caller: `new URL('./conversion-thread.js', import.meta.url)`.
   */
  script: URL
  /** What the threads' module performs, for the main thread when `threads` is 0. */
  perform: PerformTask<Task, Calls>
}

/** Options of one task. */
export interface RunOptions<Calls> {
  /** The job's signal: the thread stops at its next step once it aborts. */
  signal?: AbortSignal
  /** The main thread's object whose methods the task may call. */
  calls?: Calls
}

/** Run from its TypeScript source (the package's own tests), a thread needs a loader for TypeScript. */
function workerScript(script: URL): { filename: string; execArgv?: string[] } {
  if (!import.meta.url.endsWith('.ts')) return { filename: script.href }
  const loader = createRequire(import.meta.url).resolve('tsx')
  return { filename: script.href.replace(/\.js$/, '.ts'), execArgv: ['--import', loader] }
}

/**
 * A pool of threads that perform tasks of one kind of engine work. `Results` maps each task's `kind` to what it
 * returns; `Calls` is the type of the main thread's object tasks may call.
 */
export class TaskThreads<
  Task extends ThreadTask,
  Results extends Record<Task['kind'], unknown>,
  Calls extends object = Record<never, never>,
> {
  readonly #options: TaskThreadsOptions<Task, Calls>
  #piscina: Piscina | undefined
  #closed = false

  constructor(options: TaskThreadsOptions<Task, Calls>) {
    this.#options = options
  }

  /** Threads running now. */
  get threads(): number {
    return this.#piscina?.threads.length ?? 0
  }

  /** Performs `task` in a thread (on the main thread with 0 threads); fails with the job's reason once it aborts. */
  async run<Kind extends Task['kind']>(
    task: Extract<Task, { kind: Kind }>,
    options: RunOptions<Calls> = {},
  ): Promise<Results[Kind]> {
    const jobSignal = options.signal ?? new AbortController().signal
    if (jobSignal.aborted) throw abortReason(jobSignal)
    if (this.#options.threads === 0) {
      return (await this.#options.perform(task, options.calls as Calls, jobSignal)) as Results[Kind]
    }
    const { port1, port2 } = new MessageChannel()
    const aborted = new Int32Array(new SharedArrayBuffer(4))
    const flag = (): void => {
      Atomics.store(aborted, 0, 1)
    }
    jobSignal.addEventListener('abort', flag, { once: true })
    const stopServing = serveCalls(port1, options.calls ?? {}, jobSignal)
    let outcome: TaskOutcome
    try {
      const message: ThreadMessage = { task, port: port2, aborted }
      outcome = (await this.#pool().run(message, { transferList: [port2] })) as TaskOutcome
    } catch (error) {
      if (jobSignal.aborted) throw abortReason(jobSignal)
      const detail = error instanceof Error ? error.message : String(error)
      throw engineFailure('EngineFailure', `A conversion thread failed: ${detail}`, error)
    } finally {
      jobSignal.removeEventListener('abort', flag)
      stopServing()
    }
    if (outcome.ok) return outcome.value as Results[Kind]
    if (jobSignal.aborted) throw abortReason(jobSignal)
    throw deserializeError(outcome.error)
  }

  /** Stops the threads; a task still running fails. The pool starts again if used after. */
  async close(): Promise<void> {
    const piscina = this.#piscina
    this.#piscina = undefined
    this.#closed = true
    await piscina?.destroy()
    this.#closed = false
  }

  #pool(): Piscina {
    if (this.#closed) throw new Error('The conversion threads are stopping')
    if (!this.#piscina) {
      const piscina = new Piscina({
        ...workerScript(this.#options.script),
        minThreads: 0,
        maxThreads: this.#options.threads,
        idleTimeout: idleTimeoutMs,
        // Between tasks a thread waits on its event loop, so what a task left to finish can still run.
        atomics: 'async',
      })
      // A thread that dies between tasks is replaced; with no listener the error would end the process.
      piscina.on('error', () => {})
      this.#piscina = piscina
    }
    return this.#piscina
  }
}
