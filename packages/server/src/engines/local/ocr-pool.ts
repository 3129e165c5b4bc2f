import Tesseract from 'tesseract.js'
import { EngineError } from '../../engine-error.js'
import { engineFailure, raceAbort } from './engine-failure.js'
import { languagesFolder, languagesForScript } from './ocr-languages.js'
import {
  type PageOrientation,
  readOrientation,
  rotateImage,
  startOrientationWorker,
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
 * detection, each started on demand up to `size` workers and kept for later documents until `close()`. Each page
 * is first checked for orientation and script, turned upright, then read in the languages of its script.
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

  /** Reads the text of an image (PNG, JPEG, BMP, WebP, TIFF bytes). */
  async recognize(image: Buffer, signal: AbortSignal): Promise<OcrResult> {
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
        const orientation = await this.#detect(image)
        let upright = image
        if (orientation && orientation.rotation !== 0) {
          // canvas decodes PNG, JPEG, WebP, BMP; another format (TIFF) is read as it lies.
          const turned = await rotateImage(image, orientation.rotation).catch(() => undefined)
          if (turned) upright = turned
          else orientation.rotation = 0
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
          rotation: orientation?.rotation ?? 0,
          languages,
        }
        if (orientation?.script) output.script = orientation.script
        return output
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
