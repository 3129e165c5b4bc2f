import type { Document } from '@langchain/core/documents'

/**
 * Anything that splits Documents, such as the text splitters of `@langchain/textsplitters`. It has a file of its
 * own so that the loader and its default splitter both import it without importing each other.
 */
export interface DocumentSplitter {
  splitDocuments(documents: Document[]): Promise<Document[]>
}
