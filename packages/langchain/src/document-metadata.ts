/** Token counts of a conversion, when the service reported them. */
export interface NuMarkdownUsage {
  inputTokens?: number
  outputTokens?: number
  totalTokens?: number
}

/**
 * Details of the conversion, nested under `metadata.numarkdown`. They change from one run to the next (a new job
 * each time), so they are kept out of the top level: LangChain's `index()` (in @langchain/core 1.x) hashes
 * metadata with `JSON.stringify(metadata, sortedTopLevelKeys)`, which keeps only the nested keys whose names are
 * also top-level keys, so these never alter a document's hash. Do not add top-level keys with these names.
 */
export interface NuMarkdownDetails {
  /** The job that produced this document (for a page, the job of that page). */
  jobId: string
  /** True when the service reported a partial result. */
  partial: boolean
  /** Present when the service reported token counts. */
  usage?: NuMarkdownUsage
  /** The model's reasoning trace, with `includeReasoning`. */
  reasoning?: string
  /** `onPageError: 'skip'`: why this page has no markdown (its content is a marker). */
  error?: string
}

/** The metadata of every Document the loader makes; plain JSON only. */
export interface NuMarkdownDocumentMetadata {
  /** The path, the given `sourceName`, a File's name, or `blob-<sha256 prefix>`/`buffer-<sha256 prefix>`. */
  source: string
  /** With `splitPages`, the page of a PDF this Document holds, from 1. */
  loc?: { pageNumber: number }
  /** With `splitPages`, the page count of the whole PDF (as LangChain's `PDFLoader` gives it). */
  pdf?: { totalPages: number }
  numarkdown: NuMarkdownDetails
  [key: string]: unknown
}
