import { addAbortSignal, Duplex } from 'node:stream'
import { ManyRunner, resolveManyOptions } from './internal/many.js'
import type { ConvertManyOptions, ConvertManyOutput } from './types.js'

/**
 * An object-mode Duplex that converts many documents: write paths (or `{ input, filename?, params? }`), read
 * `{ input, ok: true, result }` or `{ input, ok: false, error }`, in input order (`ordered`, the default) or as
 * they finish. At most `concurrency` conversions run at once and at most `highWaterMark` items are in flight or
 * finished and unread, whatever the reader's speed: the writer is held back until there is room.
 * Emits `progress` (core's progress event, and the item it belongs to) for the items that start once it has a
 * listener: with none, and no `onProgress`, core makes no progress events.
 */
class ConvertManyTransform extends Duplex {
  readonly #runner: ManyRunner

  constructor(options: ConvertManyOptions) {
    const resolved = resolveManyOptions(options, 'convertMany options')
    super({ objectMode: true, highWaterMark: resolved.highWaterMark, allowHalfOpen: true })
    this.#runner = new ManyRunner(resolved, {
      emit: (outcome) => {
        this.push(outcome)
      },
      progress: (event, input) => this.emit('progress', event, input),
      listened: () => this.listenerCount('progress') > 0,
      held: () => this.readableLength,
      fatal: (error) => this.destroy(error instanceof Error ? error : new Error(String(error))),
    })
    if (options.signal !== undefined) addAbortSignal(options.signal, this)
  }

  override _write(item: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.#runner.checkItem(item)
    } catch (error) {
      callback(error as Error)
      return
    }
    // Once destroyed, the pool rejects the waiting item with the destroy reason; the stream already has it.
    this.#runner.pool.add(item).then(
      () => callback(),
      (error) => callback(this.destroyed ? null : error),
    )
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#runner.pool.drain().then(
      () => {
        this.push(null)
        callback()
      },
      (error) => callback(this.destroyed ? null : error),
    )
  }

  override _read(): void {
    this.#runner.pool.poke()
  }

  // Node calls _read() once and then waits for a push; when the pool had no room at that moment, nothing would
  // tell it that the reader has since emptied the buffer. Every read that takes an outcome re-checks for room.
  override read(size?: number): ConvertManyOutput | null {
    const outcome = super.read(size) as ConvertManyOutput | null
    if (outcome !== null) this.#runner.pool.poke()
    return outcome
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
