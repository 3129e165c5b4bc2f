/**
 * Which way up a scanned page is, and in which script it is written: tesseract's orientation and script
 * detection (OSD), on the legacy engine with the `osd` model of `@tesseract.js-data/osd`. A page scanned sideways
 * or upside down is turned upright before it is read; OCR of a page as it lies returns noise.
 */
import { createCanvas, loadImage } from '@napi-rs/canvas'
import Tesseract from 'tesseract.js'
import { languageFolder } from './ocr-languages.js'
import { crc32 } from './png-resolution.js'

/** What detection found. */
export interface PageOrientation {
  /** Clockwise turn, in degrees, that sets the page upright: 0, 90, 180 or 270. */
  rotation: 0 | 90 | 180 | 270
  /** Confidence of the orientation (tesseract's margin over the next best; above 2 is clear). */
  confidence: number
  /** The script detected (`Latin`, `Japanese`, `Cyrillic`...), when detection was sure of it. */
  script?: string
}

/** Below this margin tesseract's orientation is a guess: the page is read as it lies. */
const minimumOrientationConfidence = 2
/** Below this the script is a guess: the configured languages are used. */
const minimumScriptConfidence = 3

/** Starts a worker that runs detection; the caller terminates it. */
export async function startOrientationWorker(): Promise<Tesseract.Worker> {
  const worker = await Tesseract.createWorker('osd', Tesseract.OEM.TESSERACT_ONLY, {
    langPath: languageFolder('osd', { legacy: true }),
    legacyCore: true,
    legacyLang: true,
    cacheMethod: 'none',
    gzip: true,
    errorHandler: () => {},
  })
  // Detection prints its doubts ("Too few characters. Skipping this page") to the process's output otherwise.
  await worker.setParameters({ debug_file: '/dev/null' } as never)
  return worker
}

/** Reads a detection result; a page with too little text for detection is taken as upright. */
export function readOrientation(data: Tesseract.DetectData): PageOrientation {
  const degrees = data.orientation_degrees ?? 0
  const confidence = data.orientation_confidence ?? 0
  const rotation = (
    confidence >= minimumOrientationConfidence && [90, 180, 270].includes(degrees) ? degrees : 0
  ) as PageOrientation['rotation']
  const orientation: PageOrientation = { rotation, confidence }
  if (data.script && (data.script_confidence ?? 0) >= minimumScriptConfidence)
    orientation.script = data.script
  return orientation
}

/** EXIF orientation values that show an image turned clockwise by 90, 180 and 270 degrees. */
const exifOrientation: Record<number, number> = { 90: 6, 180: 3, 270: 8 }

/**
 * The image, marked to be turned clockwise by `rotation` degrees as it is read: tesseract.js honours an EXIF
 * orientation (a big-endian orientation tag in the file's first 500 bytes) and turns the image inside its worker,
 * so the image is never decoded, turned and encoded again on the main thread, and bytes from an upload never reach
 * a decoder other than tesseract's own. PNG gets an `eXIf` chunk after its header, JPEG an Exif APP1 segment
 * after its start marker; other formats (TIFF, WebP, BMP) come back undefined and are read as they lie.
 */
export function withOrientation(image: Buffer, rotation: PageOrientation['rotation']): Buffer | undefined {
  if (rotation === 0) return image
  const tiff = Buffer.from([
    0x4d,
    0x4d,
    0x00,
    0x2a,
    0x00,
    0x00,
    0x00,
    0x08,
    0x00,
    0x01,
    0x01,
    0x12,
    0x00,
    0x03,
    0x00,
    0x00,
    0x00,
    0x01,
    0x00,
    exifOrientation[rotation] as number,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
  ])
  const isPng =
    image.length > 33 && image.readUInt32BE(0) === 0x89504e47 && image.toString('latin1', 12, 16) === 'IHDR'
  if (isPng) {
    const chunk = Buffer.alloc(12 + tiff.length)
    chunk.writeUInt32BE(tiff.length, 0)
    chunk.write('eXIf', 4, 'latin1')
    tiff.copy(chunk, 8)
    chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + tiff.length)), 8 + tiff.length)
    return Buffer.concat([image.subarray(0, 33), chunk, image.subarray(33)])
  }
  if (image.length > 3 && image[0] === 0xff && image[1] === 0xd8 && image[2] === 0xff) {
    const exif = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])
    const segment = Buffer.alloc(4)
    segment.writeUInt16BE(0xffe1, 0)
    segment.writeUInt16BE(exif.length + 2, 2)
    return Buffer.concat([image.subarray(0, 2), segment, exif, image.subarray(2)])
  }
  return undefined
}

/**
 * Whether a page the engine rendered itself looks turned by a quarter (never called on uploaded bytes: the canvas
 * decoder is not made for untrusted input): between its text lines, a page of text has empty rows of pixels, and
 * hardly any empty column runs through all its lines; on a page set sideways it is the other way round.
 * Measured on a copy about 300 pixels wide, it costs a few milliseconds where detection costs half a second, so
 * detection runs first only on pages that look sideways (a page upside down is caught by its OCR confidence).
 */
export async function looksSideways(image: Buffer): Promise<boolean> {
  let source: Awaited<ReturnType<typeof loadImage>>
  try {
    source = await loadImage(image)
  } catch {
    return false
  }
  const scale = Math.min(1, 320 / Math.max(source.width, source.height))
  const width = Math.max(1, Math.round(source.width * scale))
  const height = Math.max(1, Math.round(source.height * scale))
  const canvas = createCanvas(width, height)
  const context = canvas.getContext('2d')
  context.fillStyle = '#ffffff'
  context.fillRect(0, 0, width, height)
  context.drawImage(source, 0, 0, width, height)
  const pixels = context.getImageData(0, 0, width, height).data
  const rows = new Float64Array(height)
  const columns = new Float64Array(width)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const index = (y * width + x) * 4
      const ink =
        255 - ((pixels[index] as number) + (pixels[index + 1] as number) + (pixels[index + 2] as number)) / 3
      rows[y] = (rows[y] as number) + ink
      columns[x] = (columns[x] as number) + ink
    }
  }
  /** The share of empty lines of pixels between the first and the last inked one: the gaps between text lines. */
  const gaps = (sums: Float64Array): number => {
    const peak = Math.max(...sums)
    if (peak <= 0) return 0
    const inked = (index: number): boolean => (sums[index] as number) > peak * 0.02
    let first = 0
    while (first < sums.length && !inked(first)) first++
    let last = sums.length - 1
    while (last > first && !inked(last)) last--
    let empty = 0
    for (let index = first; index <= last; index++) if (!inked(index)) empty++
    return last > first ? empty / (last - first + 1) : 0
  }
  const rowGaps = gaps(rows)
  const columnGaps = gaps(columns)
  return columnGaps > 0.15 && columnGaps > rowGaps * 1.5
}
