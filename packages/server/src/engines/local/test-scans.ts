/**
 * Scanned pages for the engine's tests and the benchmark corpus: text drawn with @napi-rs/canvas onto a white
 * A4 page at 150 DPI, turned by 90, 180 or 270 degrees the way a sheet fed sideways or upside down comes out of a
 * scanner, and PDFs made of such images.
 */
import { createCanvas } from '@napi-rs/canvas'
import { PDFDocument } from 'pdf-lib'

/** Options of {@link makeScanPng}. */
export interface ScanOptions {
  /** Clockwise turn of the sheet in the scanner. @default 0 */
  rotation?: 0 | 90 | 180 | 270
  /** Height of the type in pixels at 150 DPI (28 px is about 13 pt). @default 28 */
  fontSize?: number
  /** A heading drawn larger above the lines. */
  heading?: string
}

/** An A4 page at 150 DPI (1240 × 1754 pixels) with `lines` of text, as a PNG. */
export function makeScanPng(lines: string[], options: ScanOptions = {}): Buffer {
  const width = 1240
  const height = 1754
  const fontSize = options.fontSize ?? 28
  const page = createCanvas(width, height)
  const context = page.getContext('2d')
  context.fillStyle = '#ffffff'
  context.fillRect(0, 0, width, height)
  context.fillStyle = '#111111'
  let y = 160
  if (options.heading) {
    context.font = `bold ${Math.round(fontSize * 1.6)}px sans-serif`
    context.fillText(options.heading, 110, y)
    y += fontSize * 3
  }
  context.font = `${fontSize}px sans-serif`
  for (const line of lines) {
    context.fillText(line, 110, y)
    y += Math.round(fontSize * 1.6)
  }
  const rotation = options.rotation ?? 0
  if (rotation === 0) return page.toBuffer('image/png')
  const sideways = rotation % 180 !== 0
  const turned = createCanvas(sideways ? height : width, sideways ? width : height)
  const turnedContext = turned.getContext('2d')
  turnedContext.translate(turned.width / 2, turned.height / 2)
  turnedContext.rotate((rotation * Math.PI) / 180)
  turnedContext.drawImage(page, -width / 2, -height / 2)
  return turned.toBuffer('image/png')
}

/** A PDF with one page per image, each image filling its page (72 points per 150 pixels), no text layer. */
export async function makeScanPdf(pngs: Buffer[]): Promise<Uint8Array> {
  const document = await PDFDocument.create()
  const fixedDate = new Date('2024-01-01T00:00:00Z')
  document.setCreationDate(fixedDate)
  document.setModificationDate(fixedDate)
  for (const png of pngs) {
    const image = await document.embedPng(png)
    const width = (image.width * 72) / 150
    const height = (image.height * 72) / 150
    document.addPage([width, height]).drawImage(image, { x: 0, y: 0, width, height })
  }
  return document.save({ useObjectStreams: false })
}

/** Running English text for scans: plain sentences OCR has no excuse to misread. */
export const scanSentences: readonly string[] = [
  'The committee met on Tuesday to review the annual budget.',
  'Members agreed that the library needs a new heating system.',
  'The treasurer reported that costs rose by four percent this year.',
  'A volunteer offered to repaint the meeting room in the spring.',
  'The next meeting will be held in the town hall at seven.',
  'Everyone is welcome to attend and to bring questions.',
]
