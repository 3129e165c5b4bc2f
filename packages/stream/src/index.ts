export { convertMany } from './convert-many.js'
export { convertManyStream } from './convert-many-stream.js'
export {
  InvalidChunkError,
  InvalidItemError,
  InvalidOptionError,
  ItemFailedError,
  NuMarkdownStreamError,
} from './errors.js'
export { MarkdownTransform, toMarkdown } from './markdown-transform.js'
export { toMarkdownStream } from './to-markdown-stream.js'
export type {
  ClientOrOptions,
  ConvertManyItem,
  ConvertManyOptions,
  ConvertManyOutput,
  MarkdownInfo,
  MarkdownTransformOptions,
  StreamConversionParams,
} from './types.js'
