/**
 * Whether a PDF page draws an image. A page whose text layer is short (a title, a stamp, a caption) is worth
 * OCRing only when an image on it may hold more text; and a page that renders blank although it draws an image
 * is one whose image could not be decoded, which the reader is told about.
 */
import type { PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js'
import { loadPdfjs } from '../shared/pdf-document.js'

/** Whether the page's content paints an image (XObject or inline). */
export async function pageHasImages(page: PDFPageProxy): Promise<boolean> {
  const { OPS } = await loadPdfjs()
  const imageOperators = new Set<number>([
    OPS.paintImageXObject,
    OPS.paintInlineImageXObject,
    OPS.paintInlineImageXObjectGroup,
    OPS.paintImageXObjectRepeat,
    OPS.paintImageMaskXObject,
    OPS.paintImageMaskXObjectGroup,
    OPS.paintImageMaskXObjectRepeat,
  ])
  try {
    const operators = await page.getOperatorList()
    return operators.fnArray.some((operator) => imageOperators.has(operator))
  } catch {
    return false
  }
}
