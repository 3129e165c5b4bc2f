/**
 * What crosses between the main thread and a conversion thread: a task's outcome, errors (structured cloning keeps
 * neither the class nor `code`: an `EngineError` is sent as its parts and rebuilt), and the calls a task makes back
 * to the main thread (the local engine's OCR runs in the main thread's tesseract pool, so that its size bounds OCR
 * whatever the number of conversion threads).
 */
import type { MessagePort } from 'node:worker_threads'
import { EngineError } from '../../../engine-error.js'

/** A unit of work for a thread: structured-cloneable, told apart by its `kind`. */
export interface ThreadTask {
  readonly kind: string
}

/**
 * Performs one task, the same in a thread or on the main thread. `calls` are the methods of the main thread's
 * object the task may call (in a thread, each call goes through the task's port); `signal` is the job's.
 */
export type PerformTask<Task extends ThreadTask, Calls> = (
  task: Task,
  calls: Calls,
  signal: AbortSignal,
) => Promise<unknown>

/** An error as it crosses threads. */
export interface SerializedError {
  name: string
  message: string
  code?: string
}

/** How a task ended, as the thread sends it back. */
export type TaskOutcome = { ok: true; value: unknown } | { ok: false; error: SerializedError }

/** What the pool sends a thread: the task, its port, and a flag set once the job was aborted (seen before any message). */
export interface ThreadMessage {
  task: ThreadTask
  port: MessagePort
  aborted: Int32Array
}

/** Messages on a task's port. */
export type PortMessage =
  | { type: 'abort' }
  | { type: 'call'; id: number; method: string; args: unknown[] }
  | { type: 'reply'; id: number; outcome: TaskOutcome }

/** Stands for an `AbortSignal` argument of a call back to the main thread, which passes the job's own signal. */
export const signalArgument = '[job signal]'

/** A Buffer over the same bytes: structured cloning turns a Buffer into a plain Uint8Array. */
export function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return {
      name: error.name,
      message: error.message,
      ...(error instanceof EngineError && typeof code === 'string' ? { code } : {}),
    }
  }
  return { name: 'Error', message: String(error) }
}

export function deserializeError(error: SerializedError): Error {
  if (error.code !== undefined) return new EngineError(error.code, error.message)
  const restored = new Error(error.message)
  restored.name = error.name
  return restored
}

/**
 * The main-thread side of a task's port: answers the calls the task makes to `target` (methods of its prototype
 * only, AbortSignal arguments replaced by `signal`) and tells the task when the job is aborted.
 */
export function serveCalls(port: MessagePort, target: object, signal: AbortSignal): () => void {
  const onAbort = (): void => port.postMessage({ type: 'abort' } satisfies PortMessage)
  signal.addEventListener('abort', onAbort, { once: true })
  port.on('message', (message: PortMessage) => {
    if (message.type !== 'call') return
    const method = (Object.getPrototypeOf(target) as Record<string, unknown>)[message.method]
    const reply = (outcome: TaskOutcome): void => {
      port.postMessage({ type: 'reply', id: message.id, outcome } satisfies PortMessage)
    }
    if (typeof method !== 'function' || message.method === 'constructor' || message.method === 'close') {
      reply({ ok: false, error: { name: 'Error', message: `No method ${message.method} to call` } })
      return
    }
    const args = message.args.map((argument) =>
      argument === signalArgument ? signal : argument instanceof Uint8Array ? toBuffer(argument) : argument,
    )
    Promise.resolve()
      .then(() => (method as (...values: unknown[]) => unknown).apply(target, args))
      .then(
        (value) => reply({ ok: true, value }),
        (error: unknown) => reply({ ok: false, error: serializeError(error) }),
      )
  })
  return () => {
    signal.removeEventListener('abort', onAbort)
    port.close()
  }
}
