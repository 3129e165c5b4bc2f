import Tesseract from 'tesseract.js'
import { EngineError } from '../../engine-error.js'
import { engineFailure, raceAbort } from '../shared/engine-failure.js'
import { doubtfulOcrConfidence } from './ocr-confidence.js'
import { languagesFolder, languagesForScript } from './ocr-languages.js'
import {
  type PageOrientation,
  readOrientation,
  startOrientationWorker,
  withOrientation,
} from './ocr-orientation.js'
import { OcrWorkerGroup } from './ocr-worker-group.js'

/** A recognised paragraph of a page. */
export interface OcrParagraph {
  lines: Array<{ text: string; height: number }>
  confidence: number
}

/** What OCR read on one image. */
export interface OcrResult {
  text: string
  /** Mean word confidence, 0–100. */
  confidence: number
  paragraphs: OcrParagraph[]
  /** Clockwise turn applied to set the page upright before reading it. */
  rotation: PageOrientation['rotation']
  /** The script orientation detection found, when it was sure. */
  script?: string
  /** The languages the page was read in. */
  languages: string[]
}

/** Options of {@link OcrPool}. */
export interface OcrPoolOptions {
  /** Languages to read (tesseract codes, checked by the caller). @default ['eng'] */
  languages?: readonly string[]
  /** Detect each page's orientation and script before reading it. @default true */
  detectOrientation?: boolean
}

interface TesseractBlock {
  paragraphs?: Array<{
    confidence: number
    lines?: Array<{ text: string; bbox: { y0: number; y1: number } }>
  }>
}

/**
 * Pools of tesseract.js workers (worker threads): one group per set of languages and one for orientation
 * detection, each started on demand and kept for later documents until `close()`. A page that looks sideways is
 * checked for orientation and script first; any other page is read as it lies, and checked only when that reading
 * is doubtful. A page found turned (or in another script) is turned upright and read again in the languages of its
 * script, and the more confident reading kept.
 */
export class OcrPool {
  readonly #size: number
  readonly #timeoutMs: number
  readonly #languages: readonly string[]
  readonly #detectOrientation: boolean
  readonly #groups = new Map<string, OcrWorkerGroup>()
  #orientation: OcrWorkerGroup | undefined
  #folders: Array<{ remove(): Promise<void> }> = []

  constructor(size: number, timeoutMs: number, options: OcrPoolOptions = {}) {
    this.#size = size
    this.#timeoutMs = timeoutMs
    this.#languages = options.languages ?? ['eng']
    this.#detectOrientation = options.detectOrientation ?? true
  }

  /** Whether pages are checked for orientation and script. */
  get detectsOrientation(): boolean {
    return this.#detectOrientation
  }

  /** Workers started so far. */
  get workers(): number {
    let count = this.#orientation?.workers ?? 0
    for (const group of this.#groups.values()) count += group.workers
    return count
  }

  #group(languages: readonly string[]): OcrWorkerGroup {
    const key = languages.join('+')
    let group = this.#groups.get(key)
    if (!group) {
      group = new OcrWorkerGroup(this.#size, async () => {
        const folder = await languagesFolder(languages)
        this.#folders.push(folder)
        return Tesseract.createWorker(key, Tesseract.OEM.LSTM_ONLY, {
          langPath: folder.path,
          cacheMethod: 'none',
          gzip: true,
          // Without a handler, tesseract.js rethrows a failed job inside its message listener: an uncaught error.
          errorHandler: () => {},
        })
      })
      this.#groups.set(key, group)
    }
    return group
  }

  async #detect(image: Buffer): Promise<PageOrientation | undefined> {
    if (!this.#detectOrientation) return undefined
    // Detection takes about a fifth of the time of reading a page: half as many workers keep up.
    this.#orientation ??= new OcrWorkerGroup(Math.ceil(this.#size / 2), startOrientationWorker)
    try {
      const result = await this.#orientation.run((scheduler) => scheduler.addJob('detect', image))
      return readOrientation(result.data)
    } catch {
      // Too little text to tell, or an image tesseract cannot read: reading it as it lies says which.
      return undefined
    }
  }

  /** Turns the image as `orientation` says and reads it in the languages of its script. */
  async #read(image: Buffer, orientation: PageOrientation | undefined): Promise<OcrResult> {
    let upright = image
    let rotation: PageOrientation['rotation'] = 0
    if (orientation && orientation.rotation !== 0) {
      const turned = withOrientation(image, orientation.rotation)
      if (turned) {
        upright = turned
        rotation = orientation.rotation
      }
    }
    const languages = languagesForScript(this.#languages, orientation?.script)
    const result = await this.#group(languages)
      .run((scheduler) => scheduler.addJob('recognize', upright, {}, { text: true, blocks: true }))
      .catch((error: unknown) => {
        if (error instanceof Error && error.message.startsWith('The OCR engine could not start')) {
          throw engineFailure('EngineFailure', error.message, error)
        }
        throw error
      })
    const paragraphs: OcrParagraph[] = []
    for (const block of (result.data.blocks ?? []) as TesseractBlock[]) {
      for (const paragraph of block.paragraphs ?? []) {
        paragraphs.push({
          confidence: paragraph.confidence,
          lines: (paragraph.lines ?? []).map((line) => ({
            text: line.text,
            height: line.bbox.y1 - line.bbox.y0,
          })),
        })
      }
    }
    const output: OcrResult = {
      text: result.data.text,
      confidence: result.data.confidence,
      paragraphs,
      rotation,
      languages,
    }
    if (orientation?.script) output.script = orientation.script
    return output
  }

  /**
   * Reads the text of an image (PNG, JPEG, BMP, WebP, TIFF bytes). `hints.sideways` says the page looks turned by a
   * quarter (see looksSideways), so that orientation is detected before it is read rather than after.
   */
  async recognize(
    image: Buffer,
    signal: AbortSignal,
    hints: { sideways?: boolean } = {},
  ): Promise<OcrResult> {
    const failed = [this.#orientation, ...this.#groups.values()].find((group) => group?.failure)
    if (failed?.failure) {
      const failure = failed.failure
      await this.close()
      throw engineFailure('EngineFailure', `An OCR worker failed: ${failure.message}`, failure)
    }
    let timer: NodeJS.Timeout | undefined
    try {
      const watchdog = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(engineFailure('EngineFailure', `OCR of a page took longer than ${this.#timeoutMs} ms`)),
          this.#timeoutMs,
        )
      })
      const read = async (): Promise<OcrResult> => {
        if (!this.#detectOrientation) return this.#read(image, undefined)
        // Detection costs about a fifth of reading a page: it runs first only on a page that looks sideways, and
        // on any other page only when reading it as it lies gave doubtful text (upside down, another script).
        if (hints.sideways) return this.#read(image, await this.#detect(image))
        const asItLies = await this.#read(image, undefined)
        if (asItLies.confidence >= doubtfulOcrConfidence) return asItLies
        const orientation = await this.#detect(image)
        const languages = languagesForScript(this.#languages, orientation?.script)
        if (
          !orientation ||
          (orientation.rotation === 0 && languages.join('+') === asItLies.languages.join('+'))
        ) {
          if (orientation?.script) asItLies.script = orientation.script
          return asItLies
        }
        const again = await this.#read(image, orientation)
        return again.confidence > asItLies.confidence ? again : asItLies
      }
      return await raceAbort(Promise.race([read(), watchdog]), signal)
    } catch (error) {
      if (signal.aborted || error instanceof EngineError) throw error
      const detail = error instanceof Error ? error.message : String(error)
      throw engineFailure('InvalidDocument', `The image could not be read: ${detail}`, error)
    } finally {
      clearTimeout(timer)
    }
  }

  /** Stops every worker. The pool starts new ones if used again. */
  async close(): Promise<void> {
    const groups = [this.#orientation, ...this.#groups.values()]
    this.#orientation = undefined
    this.#groups.clear()
    await Promise.all(groups.map((group) => group?.close()))
    const folders = this.#folders
    this.#folders = []
    await Promise.all(folders.map((folder) => folder.remove()))
  }
}
