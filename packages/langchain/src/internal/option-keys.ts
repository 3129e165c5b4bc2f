/**
 * The keys `NuMarkdownLoader` options may hold, written as an object literal typed
 * `Record<keyof NuMarkdownLoaderOptions, true>`: the compiler rejects a list that misses a key of the type or
 * names one it does not have, so the strict check never drifts from the documented options.
 */
import type { NuMarkdownLoaderOptions } from '../loader-options.js'

const loaderOptionKeySet: Record<keyof NuMarkdownLoaderOptions, true> = {
  temperature: true,
  rasterizationDpi: true,
  maxOutputTokens: true,
  timeout: true,
  client: true,
  apiKey: true,
  baseUrl: true,
  clientOptions: true,
  sourceName: true,
  splitPages: true,
  pages: true,
  onPageError: true,
  includeReasoning: true,
  onError: true,
  concurrency: true,
  signal: true,
  timeoutMs: true,
}

/** Keys of `NuMarkdownLoaderOptions`. */
export const loaderOptionKeys: readonly string[] = Object.freeze(Object.keys(loaderOptionKeySet))
