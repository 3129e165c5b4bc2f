/**
 * Cutting a PDF into the standalone PDFs its page ranges are converted from. pdf-lib is loaded on the first
 * split only: it is 150-odd modules that importing the client must not pay for.
 */
import type { PDFDocument } from 'pdf-lib'
import { type PageSelection, selectPages } from './page-selection.js'

/** One page range of a split PDF. */
export interface PdfChunk {
  /** From 1, in the original document. */
  firstPage: number
  /** The last page of the range, in the original document. */
  lastPage: number
  bytes: Uint8Array
}

/** A PDF cut into ranges: the chunks, in page order, and the page count of the whole document. */
export interface SplitPdf {
  totalPages: number
  /** The pages the chunks cover, ascending. */
  selectedPages: number[]
  chunks: PdfChunk[]
}

/** How to cut a PDF. */
export interface SplitOptions {
  /** Most pages in one chunk; Infinity puts every selected page in one chunk. */
  pagesPerChunk: number
  /** Only these pages; every page when undefined. */
  selection?: PageSelection | undefined
}

/**
 * Splits a PDF into ranges of at most `pagesPerChunk` consecutive selected pages, each a standalone PDF (a gap
 * in the selection starts a new range, so each range has one first and one last page). Undefined when the bytes
 * are not a PDF pdf-lib can read (encrypted or damaged), so the caller can fall back to one job.
 * @throws {ValidationError} when the selection names pages the document does not have.
 */
export async function splitPdf(bytes: Uint8Array, options: SplitOptions): Promise<SplitPdf | undefined> {
  const { PDFDocument } = await import('pdf-lib')
  let document: PDFDocument
  try {
    document = await PDFDocument.load(bytes, { updateMetadata: false })
  } catch {
    return undefined
  }
  const totalPages = document.getPageCount()
  const selectedPages = selectPages(options.selection, totalPages)
  const groups: number[][] = []
  for (const page of selectedPages) {
    const group = groups.at(-1)
    const follows = group !== undefined && group.at(-1) === page - 1
    if (group && (follows || options.pagesPerChunk === Infinity) && group.length < options.pagesPerChunk) {
      group.push(page)
    } else {
      groups.push([page])
    }
  }
  const chunks: PdfChunk[] = []
  for (const group of groups) {
    const part = await PDFDocument.create({ updateMetadata: false })
    for (const page of await part.copyPages(
      document,
      group.map((pageNumber) => pageNumber - 1),
    )) {
      part.addPage(page)
    }
    chunks.push({ firstPage: group[0]!, lastPage: group.at(-1)!, bytes: await part.save() })
  }
  return { totalPages, selectedPages, chunks }
}
