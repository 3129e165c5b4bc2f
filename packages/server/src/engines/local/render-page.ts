import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js'

/** A page drawn to pixels. */
export interface RenderedPage {
  png: Buffer
  width: number
  height: number
}

interface NodeCanvas {
  toBuffer(mime: 'image/png'): Buffer
}

/** Largest side of a rendered page in pixels; a poster-sized page at 300 DPI would need gigabytes otherwise. */
const maximumSide = 8000

/** Renders a page at `dpi` to PNG with @napi-rs/canvas (pdfjs's own canvas factory on Node). */
export async function renderPage(
  document: PDFDocumentProxy,
  page: PDFPageProxy,
  dpi: number,
): Promise<RenderedPage> {
  const natural = page.getViewport({ scale: 1 })
  const scale = Math.min(dpi / 72, maximumSide / Math.max(natural.width, natural.height))
  const viewport = page.getViewport({ scale })
  const width = Math.max(1, Math.ceil(viewport.width))
  const height = Math.max(1, Math.ceil(viewport.height))
  const factory = (document as unknown as { canvasFactory: CanvasFactory }).canvasFactory
  const { canvas, context } = factory.create(width, height)
  try {
    // Transparent pixels read as black to OCR: paint the page white first.
    context.fillStyle = '#ffffff'
    context.fillRect(0, 0, width, height)
    await page.render({ canvasContext: context as never, viewport, canvas: canvas as never }).promise
    return { png: (canvas as NodeCanvas).toBuffer('image/png'), width, height }
  } finally {
    factory.destroy({ canvas, context })
  }
}

interface CanvasFactory {
  create(
    width: number,
    height: number,
  ): {
    canvas: unknown
    context: { fillStyle: string; fillRect(x: number, y: number, w: number, h: number): void }
  }
  destroy(entry: { canvas: unknown; context: unknown }): void
}
