import { DocumentConversion, resolveMarkdownOptions } from './internal/document-conversion.js'
import { WebPair } from './internal/web-pair.js'
import type { MarkdownTransformOptions } from './types.js'

/**
 * The Web Streams twin of {@link toMarkdown}: a `{ readable, writable }` pair for `pipeThrough`, bytes
 * (`Uint8Array`) in, markdown (strings) out once the input has closed.
 *
 * Unlike a plain `TransformStream` on Node 20, cancelling the output while the conversion runs is noticed: the
 * conversion is aborted, its remote job cancelled and the temporary file deleted, and nothing is enqueued
 * afterwards (an enqueue into a cancelled stream would throw inside `pipeTo`). Aborting `signal` does the same
 * and errors both sides. Progress and the conversion's details arrive through `onProgress` and `onInfo`.
 *
 * With `splitPages`, the markdown comes out range by range, in page order, each range as soon as it and the ones
 * before it are converted (`onPage` is called before each); the next range is taken only once the reader has
 * room. A range that failed for good errors both sides with its `PageRangeError` after the ranges before it.
 *
 * @example
 * const text = await new Response(file.stream().pipeThrough(toMarkdownStream({ client, filename: file.name }))).text()
 */
export function toMarkdownStream(options: MarkdownTransformOptions): TransformStream<Uint8Array, string> {
  const resolved = resolveMarkdownOptions(options, 'toMarkdownStream options')
  const conversion = new DocumentConversion(
    resolved,
    (event) => options.onProgress?.(event),
    () => options.onProgress !== undefined,
  )
  const pair = new WebPair<Uint8Array, string>({
    highWaterMark: resolved.highWaterMark,
    size: (chunk) => chunk.length,
    write: (chunk) => (conversion.holdNow(chunk) ? Promise.resolve() : conversion.append(chunk)),
    async close(output) {
      if (conversion.splitPages) {
        const info = await conversion.streamPages(async (text, page) => {
          options.onPage?.(page)
          output.enqueueText(text, resolved.highWaterMark)
          await output.whenRoom()
        })
        options.onInfo?.(info)
        return
      }
      const { markdown, info } = await conversion.finish()
      options.onInfo?.(info)
      output.enqueueText(markdown, resolved.highWaterMark)
    },
    teardown: (reason) => conversion.dispose(reason),
    signal: options.signal,
  })
  return pair.stream
}
