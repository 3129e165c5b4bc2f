import { Document } from '@langchain/core/documents'
import type { ConversionResult, PageResult, Usage } from '@numarkdown/core'
import type { NuMarkdownDetails, NuMarkdownDocumentMetadata, NuMarkdownUsage } from '../document-metadata.js'

/** What shapes the Documents of one conversion. */
export interface ShapeOptions {
  splitPages: boolean
  includeReasoning: boolean
}

/** Keeps only numeric counts, so metadata stays plain JSON whatever the service adds. */
function plainUsage(usage: Usage | undefined): NuMarkdownUsage | undefined {
  if (usage === undefined) return undefined
  const plain: NuMarkdownUsage = {}
  for (const key of ['inputTokens', 'outputTokens', 'totalTokens'] as const) {
    const value = usage[key]
    if (typeof value === 'number' && Number.isFinite(value)) plain[key] = value
  }
  return Object.keys(plain).length > 0 ? plain : undefined
}

function details(
  jobId: string,
  partial: boolean,
  usage: NuMarkdownUsage | undefined,
  reasoning: string | undefined,
  error?: string,
): NuMarkdownDetails {
  return {
    jobId,
    partial,
    ...(usage === undefined ? {} : { usage }),
    ...(reasoning === undefined ? {} : { reasoning }),
    ...(error === undefined ? {} : { error }),
  }
}

/**
 * The Document of one page of `convertPages()`: `loc.pageNumber` and `pdf.totalPages` as LangChain's `PDFLoader`
 * gives them; a document that is not a PDF (no page count) is one Document without them.
 */
export function pageDocument(
  page: PageResult,
  source: string,
  options: ShapeOptions,
): Document<NuMarkdownDocumentMetadata> {
  return new Document<NuMarkdownDocumentMetadata>({
    pageContent: page.markdown,
    metadata: {
      source,
      ...(page.totalPages === undefined
        ? {}
        : { loc: { pageNumber: page.pageNumber }, pdf: { totalPages: page.totalPages } }),
      numarkdown: details(
        page.jobId,
        page.partial,
        plainUsage(page.usage),
        options.includeReasoning && page.error === undefined ? page.reasoning : undefined,
        page.error?.message,
      ),
    },
  })
}

/**
 * Turns a finished conversion into Documents: one per page when pages were asked for and the service split the
 * document (PDFs), otherwise one for the whole document.
 */
export function toDocuments(
  result: ConversionResult,
  source: string,
  options: ShapeOptions,
): Document<NuMarkdownDocumentMetadata>[] {
  if (options.splitPages && result.pages !== undefined && result.pages.length > 0) {
    return result.pages.map(
      (page) =>
        new Document<NuMarkdownDocumentMetadata>({
          pageContent: page.markdown,
          metadata: {
            source,
            loc: { pageNumber: page.pageNumber },
            numarkdown: details(
              page.jobId,
              page.partial,
              undefined,
              options.includeReasoning ? page.reasoning : undefined,
            ),
          },
        }),
    )
  }
  return [
    new Document<NuMarkdownDocumentMetadata>({
      pageContent: result.markdown,
      metadata: {
        source,
        numarkdown: details(
          result.jobId,
          result.partial,
          plainUsage(result.usage),
          options.includeReasoning ? result.reasoning : undefined,
        ),
      },
    }),
  ]
}
