/**
 * The keys every options object of the stream adapters may hold, one list per options type, each written as an
 * object literal typed `Record<keyof T, true>`: the compiler rejects a list that misses a key of the type or
 * names one it does not have, so the strict check never drifts from the documented options.
 */
import type {
  ConvertManyItem,
  ConvertManyOptions,
  MarkdownTransformOptions,
  StreamConversionParams,
} from '../types.js'

/** The keys of an options type as a list, from an object the compiler checks against that type. */
function keysOf<T>(keys: Record<keyof T, true>): readonly string[] {
  return Object.freeze(Object.keys(keys))
}

const conversionParamKeys: Record<keyof StreamConversionParams, true> = {
  temperature: true,
  rasterizationDpi: true,
  maxOutputTokens: true,
  timeout: true,
  splitPages: true,
  pagesPerChunk: true,
  pages: true,
  onPageError: true,
  timeoutMs: true,
  strategy: true,
}

/** Keys of `StreamConversionParams`: what a stream passes on to `client.convert()`. */
export const streamConversionParamKeys: readonly (keyof StreamConversionParams)[] = Object.freeze(
  Object.keys(conversionParamKeys) as (keyof StreamConversionParams)[],
)

/** Keys of `MarkdownTransformOptions` (`toMarkdown`, `MarkdownTransform`, `toMarkdownStream`). */
export const markdownTransformOptionKeys: readonly string[] = keysOf<MarkdownTransformOptions>({
  ...conversionParamKeys,
  client: true,
  pageSeparator: true,
  onPage: true,
  filename: true,
  contentType: true,
  signal: true,
  spoolThresholdBytes: true,
  spoolDirectory: true,
  includeReasoning: true,
  highWaterMark: true,
  onProgress: true,
  onInfo: true,
})

/** Keys of `ConvertManyOptions` (`convertMany`, `convertManyStream`). */
export const convertManyOptionKeys: readonly string[] = keysOf<ConvertManyOptions>({
  ...conversionParamKeys,
  client: true,
  concurrency: true,
  ordered: true,
  failFast: true,
  signal: true,
  highWaterMark: true,
  onProgress: true,
})

/** Keys of an `{ input, filename?, contentType?, params? }` item of `convertMany`. */
export const convertManyItemKeys: readonly string[] = keysOf<Exclude<ConvertManyItem, string | URL>>({
  input: true,
  filename: true,
  contentType: true,
  params: true,
})
