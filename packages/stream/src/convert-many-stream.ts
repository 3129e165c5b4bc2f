import { ManyRunner, resolveManyOptions } from './internal/many.js'
import { WebPair } from './internal/web-pair.js'
import type { ConvertManyItem, ConvertManyOptions, ConvertManyOutput } from './types.js'

/**
 * The Web Streams twin of {@link convertMany}: a `{ readable, writable }` pair for `pipeThrough`, items in,
 * outcomes out, with the same concurrency, order, `failFast` and backpressure rules. Cancelling the output or
 * aborting `signal` aborts every conversion in flight and cancels their remote jobs.
 *
 * @example
 * const outcomes = ReadableStream.from(paths).pipeThrough(convertManyStream({ client, ordered: false }))
 * for await (const outcome of outcomes) console.log(outcome.input, outcome.ok)
 */
export function convertManyStream(
  options: ConvertManyOptions,
): TransformStream<ConvertManyItem, ConvertManyOutput> {
  const resolved = resolveManyOptions(options, 'convertManyStream options')
  const runner: ManyRunner = new ManyRunner(resolved, {
    emit: (outcome) => pair.output.enqueue(outcome),
    held: () => resolved.highWaterMark - pair.output.desiredSize(),
    fatal: (error) => void pair.fail(error),
  })
  const pair: WebPair<ConvertManyItem, ConvertManyOutput> = new WebPair({
    highWaterMark: resolved.highWaterMark,
    async write(item) {
      runner.checkItem(item)
      await runner.pool.add(item)
    },
    close: () => runner.pool.drain(),
    pull: () => runner.pool.poke(),
    teardown: (reason) => runner.stop(reason),
    signal: options.signal,
  })
  return pair.stream
}
