export type { NuMarkdownDetails, NuMarkdownDocumentMetadata, NuMarkdownUsage } from './document-metadata.js'
export type { DocumentSplitter } from './document-splitter.js'
export type {
  ErrorPolicy,
  LoaderClient,
  LoaderInput,
  NuMarkdownLoaderOptions,
  SourceName,
} from './loader-options.js'
export { NuMarkdownLoader } from './nu-markdown-loader.js'
export { NuMarkdownLoaderError } from './nu-markdown-loader-error.js'
