import { addAbortSignal, Duplex } from 'node:stream'
import { checkItem, ManyRunner, resolveManyOptions } from './internal/many.js'
import type { ConvertManyOptions } from './types.js'

/**
 * An object-mode Duplex that converts many documents: write paths (or `{ input, filename?, params? }`), read
 * `{ input, ok: true, result }` or `{ input, ok: false, error }`, in input order (`ordered`, the default) or as
 * they finish. At most `concurrency` conversions run at once and at most `highWaterMark` items are in flight or
 * finished and unread, whatever the reader's speed: the writer is held back until there is room.
 */
class ConvertManyTransform extends Duplex {
  readonly #runner: ManyRunner

  constructor(options: ConvertManyOptions) {
    const resolved = resolveManyOptions(options)
    super({ objectMode: true, highWaterMark: resolved.highWaterMark, allowHalfOpen: true })
    this.#runner = new ManyRunner(resolved, {
      emit: (outcome) => {
        this.push(outcome)
      },
      held: () => this.readableLength,
      fatal: (error) => this.destroy(error instanceof Error ? error : new Error(String(error))),
    })
    if (options.signal !== undefined) addAbortSignal(options.signal, this)
  }

  override _write(item: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      checkItem(item)
    } catch (error) {
      callback(error as Error)
      return
    }
    this.#runner.pool.add(item).then(() => callback(), callback)
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#runner.pool.drain().then(() => {
      this.push(null)
      callback()
    }, callback)
  }

  override _read(): void {
    this.#runner.pool.poke()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const reason = error ?? new DOMException('The stream was destroyed', 'AbortError')
    this.#runner.stop(reason).then(
      () => callback(error),
      () => callback(error),
    )
  }
}

/**
 * Creates an object-mode stream that converts many documents with bounded concurrency.
 *
 * @example
 * await pipeline(Readable.from(paths), convertMany({ client, concurrency: 4 }), async function* (outcomes) {
 *   for await (const outcome of outcomes) console.log(outcome.input, outcome.ok)
 * })
 */
export function convertMany(options: ConvertManyOptions): Duplex {
  return new ConvertManyTransform(options)
}
