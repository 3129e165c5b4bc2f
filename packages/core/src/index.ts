export { checkKnownOptions } from '@numarkdown/protocol'
export { createClient, NuMarkdownClient } from './client.js'
export {
  AbortError,
  APIError,
  type APIErrorDetails,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  JobFailedError,
  type JobFailedErrorDetails,
  JobTimeoutError,
  NotFoundError,
  NuMarkdownError,
  type NuMarkdownErrorDetails,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  TimeoutError,
  ValidationError,
  type ValidationErrorDetails,
} from './errors.js'
export { type Connection, resolveConnection } from './resolve-connection.js'
export type {
  CancelResult,
  ClientOptions,
  ConversionParams,
  ConversionResult,
  ConvertInput,
  ConvertOptions,
  DocumentData,
  Job,
  ListJobsOptions,
  Logger,
  PageResult,
  ProgressEvent,
  ProgressListener,
  RequestOptions,
  SubmitOptions,
  SubmitResult,
  Usage,
  WaitOptions,
  WaitStrategy,
} from './types.js'
export { validateClientOptions } from './validate-client-options.js'
export { validateConversionParams } from './validate-conversion-params.js'
