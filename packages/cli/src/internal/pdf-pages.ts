/**
 * `--pages` for PDFs: a new PDF holding only the selected pages (pdf-lib, as core splits pages), so that only
 * those pages are uploaded and converted. Core has no page selection of its own yet; when it gains a `pages`
 * option, this module goes and the option is passed through instead.
 */
import { PDFDocument } from 'pdf-lib'
import { type PageRange, resolvePageRanges } from './page-ranges.js'

/** The selected pages of a PDF, as a standalone PDF. */
export interface SelectedPages {
  bytes: Uint8Array
  /** The original page numbers, ascending: page `i + 1` of `bytes` is page `pages[i]` of the document. */
  pages: number[]
  /** Pages in the whole document. */
  pageCount: number
}

/**
 * Copies the pages `ranges` selects into a new PDF. Throws an `Error` when the PDF cannot be read (encrypted or
 * damaged) and a `RangeError` naming the page count when a range reaches past the last page.
 */
export async function selectPdfPages(
  bytes: Uint8Array,
  ranges: readonly PageRange[],
): Promise<SelectedPages> {
  let document: PDFDocument
  try {
    document = await PDFDocument.load(bytes, { updateMetadata: false })
  } catch (error) {
    throw new Error(
      `--pages: cannot read the PDF's pages (encrypted or damaged): ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
  const pageCount = document.getPageCount()
  const pages = resolvePageRanges(ranges, pageCount)
  const part = await PDFDocument.create({ updateMetadata: false })
  for (const page of await part.copyPages(
    document,
    pages.map((page) => page - 1),
  )) {
    part.addPage(page)
  }
  return { bytes: await part.save(), pages, pageCount }
}
