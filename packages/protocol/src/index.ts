export { checkKnownOptions, optionKeys } from './check-known-options.js'
export { checkNumberRange, type NumberRange } from './check-number-range.js'
export {
  type ConversionParams,
  conversionQuery,
  parseSubmitParams,
  type SubmitParams,
} from './conversion-params.js'
export { describe } from './describe.js'
export { parseDuration } from './duration.js'
export {
  NuMarkdownError,
  type NuMarkdownErrorDetails,
  ValidationError,
  type ValidationErrorDetails,
} from './errors.js'
export { invalidBodyMessage, invalidQueryParameter } from './invalid-request.js'
export type { Job, JobList } from './job.js'
export { isTerminal, type JobStatus, type StatusKind, statusKind } from './job-status.js'
export { checkListParams, type ListParams, parseListParams } from './list-params.js'
export { type ModelOutputParts, splitModelOutput } from './model-output.js'
export { type MarkdownResult, type OutputData, readOutputData, type Usage } from './output-data.js'
export { rejectValue } from './reject-value.js'
