/**
 * The keys every options object of the client may hold, one list per options type. Each list is written as an
 * object literal typed `Record<keyof T, true>`, so the compiler rejects a list that misses a key of the type or
 * names one the type does not have: the strict check can never drift from the documented options.
 */
import { optionKeys } from '@numarkdown/protocol'
import type {
  ClientOptions,
  ConversionParams,
  ConvertInput,
  ConvertOptions,
  ListJobsOptions,
  RequestOptions,
  SubmitOptions,
  WaitOptions,
} from '../types.js'

const conversionParamKeys = {
  temperature: true,
  rasterizationDpi: true,
  maxOutputTokens: true,
  timeout: true,
} as const satisfies Record<keyof ConversionParams, true>

/** Keys of `ClientOptions`. */
export const clientOptionKeys: readonly string[] = optionKeys<ClientOptions>({
  apiKey: true,
  baseUrl: true,
  concurrency: true,
  maxRetries: true,
  timeoutMs: true,
  allowInsecureHttp: true,
  waitStrategy: true,
  pingIntervalMs: true,
  pollInterval: true,
  logger: true,
  retryDelay: true,
  requestTimeoutMs: true,
})

/** Keys of `ClientOptions['pollInterval']`. */
export const pollIntervalKeys: readonly string[] = optionKeys<NonNullable<ClientOptions['pollInterval']>>({
  initialMs: true,
  maxMs: true,
})

/** Keys of `ClientOptions['retryDelay']`. */
export const retryDelayKeys: readonly string[] = optionKeys<NonNullable<ClientOptions['retryDelay']>>({
  baseMs: true,
  maxMs: true,
})

/** Keys of `ConvertOptions`. */
export const convertOptionKeys: readonly string[] = optionKeys<ConvertOptions>({
  ...conversionParamKeys,
  splitPages: true,
  pagesPerChunk: true,
  pages: true,
  onPageError: true,
  resume: true,
  cancelOnAbort: true,
  filename: true,
  contentType: true,
  signal: true,
  timeoutMs: true,
  strategy: true,
  onProgress: true,
})

/** Keys of `ConvertPagesOptions`. */
export const convertPagesOptionKeys: readonly string[] = convertOptionKeys.filter(
  (key) => key !== ('splitPages' satisfies keyof ConvertOptions),
)

/** Keys of `SubmitOptions`. */
export const submitOptionKeys: readonly string[] = optionKeys<SubmitOptions>({
  ...conversionParamKeys,
  filename: true,
  contentType: true,
  signal: true,
  timeoutMs: true,
  onProgress: true,
})

/** Keys of `WaitOptions`. */
export const waitOptionKeys: readonly string[] = optionKeys<WaitOptions>({
  signal: true,
  strategy: true,
  timeoutMs: true,
  onProgress: true,
  cancelOnAbort: true,
  onPageError: true,
})

/** Keys of `RequestOptions` (`getJob()`, `cancel()`). */
export const requestOptionKeys: readonly string[] = optionKeys<RequestOptions>({
  signal: true,
  timeoutMs: true,
})

/** Keys of `ListJobsOptions`. */
export const listJobsOptionKeys: readonly string[] = optionKeys<ListJobsOptions>({
  organization: true,
  perPage: true,
  skip: true,
  signal: true,
})

/** Keys of a `{ data, filename?, contentType? }` input. */
export const documentInputKeys: readonly string[] = optionKeys<Extract<ConvertInput, { data: unknown }>>({
  data: true,
  filename: true,
  contentType: true,
})
