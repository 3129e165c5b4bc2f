/**
 * Drawing a PDF page to PNG pixels, bounded in size: the local engine OCRs the pixels of a page without a usable
 * text layer, the OpenAI-compatible engine sends them to the model.
 */
import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js'
import { abortReason, engineFailure } from './engine-failure.js'

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

/** Which page of a PDF to render, how finely, and the job's signal. */
export interface PageRenderOptions {
  /** The page number, from 1. */
  page: number
  dpi: number
  signal: AbortSignal
}

/**
 * Renders one page of an open PDF; a page pdfjs cannot draw fails the job with `InvalidDocument` naming the page,
 * unless the job was aborted meanwhile.
 */
export async function renderPdfPage(
  document: PDFDocumentProxy,
  options: PageRenderOptions,
): Promise<RenderedPage> {
  const { page: number, dpi, signal } = options
  try {
    const page = await document.getPage(number)
    const rendered = await renderPage(document, page, dpi)
    page.cleanup()
    return rendered
  } catch (error) {
    if (signal.aborted) throw abortReason(signal)
    const detail = error instanceof Error ? error.message : String(error)
    throw engineFailure(
      'InvalidDocument',
      `Page ${number} of the PDF could not be rendered: ${detail}`,
      error,
    )
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
