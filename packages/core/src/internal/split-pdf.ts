import { PDFDocument } from 'pdf-lib'

/** One page range of a split PDF. */
export interface PdfChunk {
  /** From 1. */
  firstPage: number
  lastPage: number
  bytes: Uint8Array
}

/**
 * Splits a PDF into ranges of `pagesPerChunk` pages, each a standalone PDF. Undefined when the bytes are not a
 * PDF pdf-lib can read (encrypted or damaged), so the caller can fall back to one job.
 */
export async function splitPdf(bytes: Uint8Array, pagesPerChunk: number): Promise<PdfChunk[] | undefined> {
  let document: PDFDocument
  try {
    document = await PDFDocument.load(bytes, { updateMetadata: false })
  } catch {
    return undefined
  }
  const pageCount = document.getPageCount()
  const chunks: PdfChunk[] = []
  for (let first = 0; first < pageCount; first += pagesPerChunk) {
    const last = Math.min(pageCount, first + pagesPerChunk) - 1
    const part = await PDFDocument.create({ updateMetadata: false })
    const indices = Array.from({ length: last - first + 1 }, (_, index) => first + index)
    for (const page of await part.copyPages(document, indices)) part.addPage(page)
    chunks.push({ firstPage: first + 1, lastPage: last + 1, bytes: await part.save() })
  }
  return chunks
}
