import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js'

/** A page drawn to pixels. */
export interface RenderedPage {
  png: Buffer
  /** Every pixel is (almost) white: nothing for OCR to read. */
  blank: boolean
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
    const pixels = context.getImageData(0, 0, width, height).data
    let blank = true
    for (let index = 0; index < pixels.length; index += 4) {
      if (
        (pixels[index] as number) < 200 ||
        (pixels[index + 1] as number) < 200 ||
        (pixels[index + 2] as number) < 200
      ) {
        blank = false
        break
      }
    }
    return { png: (canvas as NodeCanvas).toBuffer('image/png'), blank, width, height }
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
    context: {
      fillStyle: string
      fillRect(x: number, y: number, width: number, height: number): void
      getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray }
    }
  }
  destroy(entry: { canvas: unknown; context: unknown }): void
}
