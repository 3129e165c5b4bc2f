/**
 * An image file (PNG, JPEG, TIFF, WebP, BMP) is one scanned page: OCR turns it upright and reads it, and text OCR
 * could not read is left out with a warning rather than passed off as the image's text.
 */
import { judgeOcrText } from './ocr-confidence.js'
import { ocrToMarkdown } from './ocr-markdown.js'
import type { OcrPool, OcrResult } from './ocr-pool.js'

/** What converting an image gave. */
export interface ImageConversion {
  markdown: string
  ocr: OcrResult
  warnings: string[]
}

/** OCRs an image and judges the text it read. */
export async function imageToMarkdown(
  ocr: OcrPool,
  data: Buffer,
  signal: AbortSignal,
): Promise<ImageConversion> {
  const result = await ocr.recognize(data, signal)
  const verdict = judgeOcrText(ocrToMarkdown(result), result.confidence, 'the image')
  const warnings = verdict.warning ? [verdict.warning] : []
  if (verdict.markdown.length === 0 && !verdict.unreadable) warnings.push('OCR found no text in the image.')
  return { markdown: verdict.markdown, ocr: result, warnings }
}
