/**
 * The entry of a conversion thread (run by piscina): performs one task at a time, off the main thread, so that
 * parsing a burst of PDFs never delays the server's answers. The task's port carries the job's abort and the calls
 * the task makes back to the main thread. Each engine's thread module is `export default taskThreadEntry(perform)`.
 */
import { readlinkSync } from 'node:fs'
import { getPriority, setPriority } from 'node:os'
import { abortReason, raceAbort } from '../engine-failure.js'
import {
  deserializeError,
  type PerformTask,
  type PortMessage,
  serializeError,
  signalArgument,
  type TaskOutcome,
  type ThreadMessage,
  type ThreadTask,
} from './thread-messages.js'

/**
 * Conversion threads yield the CPU to the server's main thread, which answers requests: on Linux, a thread's
 * own ID (from /proc/thread-self) takes its own nice value, as piscina's `niceIncrement` would do with a native
 * module. Elsewhere the threads keep the process's priority.
 */
function lowerThisThreadsPriority(increment: number): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (Number.isInteger(threadId) && threadId > 0) {
      setPriority(threadId, Math.min(19, getPriority(threadId) + increment))
    }
  } catch {
    // No /proc, or not allowed: the thread runs at the process's priority.
  }
}

/**
 * Makes the thread this module runs in a conversion thread (lower priority, stray rejections reported) and returns
 * the function piscina calls for each task.
 */
export function taskThreadEntry<Task extends ThreadTask, Calls>(
  perform: PerformTask<Task, Calls>,
): (message: ThreadMessage) => Promise<TaskOutcome> {
  lowerThisThreadsPriority(10)
  // A last line of defence, not the way errors are handled: a promise some library left unhandled after its task
  // ended would otherwise end this thread, and with it the task of whichever job runs on it next.
  process.on('unhandledRejection', (reason) => {
    const detail = reason instanceof Error ? reason.message : String(reason)
    process.stderr.write(`numarkdown-server: a conversion thread ignored an unhandled rejection: ${detail}\n`)
  })
  return async ({ task, port, aborted }) => {
    const controller = new AbortController()
    const abort = (): void => {
      const error = new Error('The conversion was aborted')
      error.name = 'AbortError'
      controller.abort(error)
    }
    if (Atomics.load(aborted, 0) === 1) abort()
    const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
    let nextId = 0
    port.on('message', (message: PortMessage) => {
      if (message.type === 'abort') abort()
      else if (message.type === 'reply') {
        const call = pending.get(message.id)
        pending.delete(message.id)
        if (message.outcome.ok) call?.resolve(message.outcome.value)
        else call?.reject(deserializeError(message.outcome.error))
      }
    })
    const call = (method: string, args: unknown[]): Promise<unknown> => {
      if (controller.signal.aborted) return Promise.reject(abortReason(controller.signal))
      const id = nextId++
      const reply = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }))
      port.postMessage({
        type: 'call',
        id,
        method,
        args: args.map((argument) => (argument instanceof AbortSignal ? signalArgument : argument)),
      } satisfies PortMessage)
      return raceAbort(reply, controller.signal)
    }
    // Every method of the main thread's object the task calls runs there.
    const calls = new Proxy(
      {},
      {
        get: (_target, method) =>
          typeof method === 'string' && method !== 'then'
            ? (...args: unknown[]) => call(method, args)
            : undefined,
      },
    ) as Calls
    try {
      return { ok: true, value: await perform(task as Task, calls, controller.signal) }
    } catch (error) {
      return { ok: false, error: serializeError(error) }
    } finally {
      port.close()
    }
  }
}
