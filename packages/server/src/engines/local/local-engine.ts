import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { checkKnownOptions, checkNumberRange, optionKeys, ValidationError } from '@numarkdown/protocol'
import type { Engine, EngineDocument, EngineOutput, EngineParams } from '../../types.js'
import { documentFormat } from '../shared/detect-format.js'
import { abortReason, engineFailure } from '../shared/engine-failure.js'
import { estimateTokens, limitTokens } from '../shared/output-limit.js'
import { spooledPath } from '../shared/spooled-path.js'
import { ConversionPool } from './conversion-pool.js'
import { decodeText } from './decode-text.js'
import { imageToMarkdown } from './image-to-markdown.js'
import { checkLanguages } from './ocr-languages.js'
import { OcrPool } from './ocr-pool.js'

/** Options of {@link localEngine}. */
export interface LocalEngineOptions {
  /**
   * OCR worker threads, started on demand and kept until `close()`.
   * @default the number of cores (`os.availableParallelism()`)
   */
  ocrWorkers?: number
  /**
   * Pages of one document rendered and OCRed at once.
   * @default ocrWorkers
   */
  pageConcurrency?: number
  /**
   * A PDF page whose text layer has fewer characters than this is also rendered and OCRed when it draws an image;
   * the OCR text replaces the text layer only when it is confident and reads clearly more. Pages with no text at
   * all are always OCRed.
   * @default 16
   */
  minimumTextCharacters?: number
  /**
   * OCR languages, as tesseract codes, read from `@tesseract.js-data/<code>` packages on disk (never downloaded):
   * `eng`, `deu`, `fra` and `jpn` come with the server; install another package (`@tesseract.js-data/chi_sim`)
   * beside it to name more. Several Latin-script languages are read together (`['eng', 'deu']`). When
   * orientation detection is sure of a page's script, the page is read in the configured languages of that script,
   * else in an installed language of it (a Japanese scan in `jpn`), else in these.
   * @default ['eng']
   */
  languages?: string[]
  /**
   * Detect the orientation and script of scanned pages (tesseract OSD, `@tesseract.js-data/osd`) and turn them
   * upright before OCR: first on a page that looks sideways, else when reading the page as it lies gives doubtful
   * text (upside down, another script). Without it, a page scanned sideways or upside down is read as noise (and
   * left out with a warning).
   * @default true
   */
  detectOrientation?: boolean
  /**
   * Longest time OCR of one page may take before the job fails.
   * @default 120000
   */
  ocrPageTimeoutMs?: number
  /**
   * Read font weights so that bold lines at body size become headings. pdfjs only knows a font's weight once it
   * has built a page's operator list; the engine builds it for the pages that bring a new font, which on the
   * benchmark corpus of short documents took the CPU time per text-layer page from 40–50 ms to 90–105 ms.
   * Without it, headings come from font size and from numbered short lines (`2.1 Results`).
   * @default false
   */
  fontWeights?: boolean
  /**
   * Worker threads that parse and lay out PDFs, render their scanned pages and convert DOCX and HTML, started on
   * the first document and stopped by `close()` (a thread idle for a minute stops too). `0` does this work on the
   * main thread, where a large document delays every other request of the server.
   * @default the number of cores (`os.availableParallelism()`)
   */
  conversionWorkers?: number
}

const localEngineOptionKeys = optionKeys<LocalEngineOptions>({
  ocrWorkers: true,
  pageConcurrency: true,
  minimumTextCharacters: true,
  ocrPageTimeoutMs: true,
  languages: true,
  detectOrientation: true,
  fontWeights: true,
  conversionWorkers: true,
})

/** The offline engine: see {@link localEngine}. */
export interface LocalEngine extends Engine {
  readonly name: 'local'
  /** Stops the OCR workers and the conversion threads. */
  close(): Promise<void>
}

const positive = { min: 1, integer: true, where: 'localEngine options' }
const nonNegative = { ...positive, min: 0 }

function seconds(milliseconds: number): string {
  return milliseconds >= 1000 ? `${(milliseconds / 1000).toFixed(1)} s` : `${Math.round(milliseconds)} ms`
}

/**
 * An engine that converts documents on this machine, with no model and no network:
 * - PDF pages with a text layer: layout analysis of the positioned text (headings from font size and weight,
 *   paragraphs from line gaps, lists, grid tables, two columns, running headers and footers dropped);
 *   pages without one are rendered at `rasterizationDPI` and OCRed (tesseract.js, English);
 * - PNG, JPEG, TIFF, WebP and BMP images: OCR;
 * - DOCX: mammoth then node-html-markdown, images dropped; HTML: node-html-markdown;
 * - plain text and markdown: passed through.
 *
 * `reasoning` is a trace of what was done (route and timing per page, OCR confidence). `maxOutputTokens` cuts the
 * markdown at an estimated four characters per token and makes the result partial (the reasoning field is left
 * empty and `rawResponse` holds `<think>trace</think><answer>cut markdown`, as a model cut off mid-answer would).
 * `temperature` has no effect: the conversion is deterministic. The job's timeout and cancellation stop the work
 * between pages. Unsupported inputs fail with `UnsupportedFormat`, unreadable ones with `InvalidDocument`.
 *
 * @example
 * ```ts
 * const server = await startServer({ tokens: ['secret'], engine: localEngine() })
 * ```
 */
export function localEngine(options: LocalEngineOptions = {}): LocalEngine {
  checkKnownOptions(options, localEngineOptionKeys, 'localEngine options')
  const ocrWorkers = checkNumberRange(
    'ocrWorkers',
    options.ocrWorkers ?? Math.max(1, availableParallelism()),
    positive,
  )
  const pageConcurrency = checkNumberRange('pageConcurrency', options.pageConcurrency ?? ocrWorkers, positive)
  const minimumTextCharacters = checkNumberRange(
    'minimumTextCharacters',
    options.minimumTextCharacters ?? 16,
    nonNegative,
  )
  const ocrPageTimeoutMs = checkNumberRange('ocrPageTimeoutMs', options.ocrPageTimeoutMs ?? 120_000, positive)
  const languages = checkLanguages(options.languages ?? ['eng'])
  if (options.detectOrientation !== undefined && typeof options.detectOrientation !== 'boolean') {
    throw new ValidationError(
      `localEngine: expected detectOrientation to be a boolean, got ${String(options.detectOrientation)}`,
      { parameter: 'detectOrientation' },
    )
  }
  const pool = new OcrPool(ocrWorkers, ocrPageTimeoutMs, {
    languages,
    detectOrientation: options.detectOrientation ?? true,
  })
  const conversions = new ConversionPool(
    checkNumberRange(
      'conversionWorkers',
      options.conversionWorkers ?? Math.max(1, availableParallelism()),
      nonNegative,
    ),
  )

  async function convert(
    document: EngineDocument,
    params: EngineParams,
    signal: AbortSignal,
  ): Promise<EngineOutput> {
    if (signal.aborted) throw abortReason(signal)
    const started = performance.now()
    const format = await documentFormat(document)
    const trace: string[] = []
    const warnings: string[] = []
    let markdown: string
    let pageCount: number | undefined
    switch (format.kind) {
      case 'unsupported':
        throw engineFailure(
          'UnsupportedFormat',
          `The local engine cannot convert ${format.description}; it reads PDF, PNG, JPEG, TIFF, WebP, BMP, DOCX, HTML, plain text and markdown`,
        )
      case 'pdf': {
        const conversion = await conversions.pdfToMarkdown(spooledPath(document), {
          dpi: params.rasterizationDPI,
          ocr: pool,
          concurrency: pageConcurrency,
          minimumTextCharacters,
          fontWeights: options.fontWeights ?? false,
          signal,
        })
        markdown = conversion.markdown
        warnings.push(...conversion.warnings)
        pageCount = conversion.pages.length
        const ocrPages = conversion.pages.filter((page) => page.confidence !== undefined).length
        const blankPages = conversion.pages.filter((page) => page.route === 'blank').length
        trace.push(
          `PDF with ${pageCount} page${pageCount === 1 ? '' : 's'}: ${pageCount - ocrPages - blankPages} read from the text layer, ${ocrPages} rendered at ${params.rasterizationDPI} DPI and OCRed, ${blankPages} blank.`,
        )
        for (const page of conversion.pages) {
          const route =
            page.confidence !== undefined
              ? `OCR${page.rotation ? ` after turning the page ${page.rotation}° clockwise` : ''} in ${(page.languages ?? []).join('+')}, mean word confidence ${Math.round(page.confidence)}%${page.unreadable ? ', too low: text left out' : ''}`
              : page.route === 'blank'
                ? 'no text layer, blank when rendered'
                : page.route === 'empty'
                  ? 'text layer, no text left once headers and footers are dropped'
                  : `text layer, ${page.columns === 2 ? 'two columns' : 'one column'}${page.keptTextLayer ? ' (short; OCR of the page read no more, so the text layer is kept)' : ''}`
          trace.push(
            `Page ${page.page}: ${route}${page.formFields ? `, ${page.formFields} form field value${page.formFields === 1 ? '' : 's'}` : ''}, ${page.characters} characters of markdown, ${seconds(page.milliseconds)}.`,
          )
        }
        if (conversion.droppedMarginLines > 0) {
          trace.push(`Dropped ${conversion.droppedMarginLines} running header, footer or page-number lines.`)
        }
        break
      }
      case 'image': {
        const image = await imageToMarkdown(pool, await readFile(spooledPath(document)), signal)
        markdown = image.markdown
        warnings.push(...image.warnings)
        pageCount = 1
        trace.push(
          `${format.mediaType} image${image.ocr.rotation ? ` turned ${image.ocr.rotation}° clockwise and` : ''} OCRed in ${image.ocr.languages.join('+')}, mean word confidence ${Math.round(image.ocr.confidence)}%.`,
        )
        break
      }
      case 'docx': {
        const docx = await conversions.docxToMarkdown(await readFile(spooledPath(document)))
        markdown = docx.markdown
        trace.push(
          `DOCX converted to HTML by mammoth, then to markdown; images dropped${docx.warnings > 0 ? `; ${docx.warnings} conversion warning${docx.warnings === 1 ? '' : 's'}` : ''}.`,
        )
        if (docx.equations + docx.charts + docx.numberLabels > 0) {
          trace.push(
            `${docx.equations} equation${docx.equations === 1 ? '' : 's'} written as LaTeX, ${docx.charts} chart${docx.charts === 1 ? '' : 's'} as tables, ${docx.numberLabels} list or heading number${docx.numberLabels === 1 ? '' : 's'} kept in the text.`,
          )
        }
        break
      }
      case 'html': {
        const { text, encoding } = decodeText(await readFile(spooledPath(document)), 'html')
        markdown = await conversions.htmlToMarkdown(text)
        trace.push(
          `HTML (read as ${encoding}) converted to markdown; scripts and styles dropped, images as placeholders.`,
        )
        break
      }
      case 'text': {
        const { text, encoding } = decodeText(await readFile(spooledPath(document)), 'text')
        markdown = text
        trace.push(`${format.mediaType} (read as ${encoding}) passed through unchanged.`)
        break
      }
    }
    if (signal.aborted) throw abortReason(signal)
    if (markdown.trim().length === 0 && warnings.length === 0 && format.kind !== 'text') {
      warnings.push(`The ${format.kind.toUpperCase()} holds no text to convert.`)
    }
    for (const warning of warnings) trace.push(`Warning: ${warning}`)
    const limited = limitTokens(markdown, params.maxOutputTokens)
    const outputTokens = estimateTokens(limited.text)
    trace.push(
      limited.truncated
        ? `Output cut at about ${params.maxOutputTokens} tokens (estimated at 4 characters per token) of about ${estimateTokens(markdown)}.`
        : `Output: ${markdown.length} characters, about ${outputTokens} tokens (estimated at 4 characters per token).`,
    )
    trace.push(`Done in ${seconds(performance.now() - started)}. Temperature has no effect on this engine.`)
    const reasoning = trace.join('\n')
    const output: EngineOutput = { result: limited.text, reasoning }
    if (pageCount !== undefined) output.pageCount = pageCount
    if (warnings.length > 0) output.warnings = warnings
    if (limited.truncated) {
      // The server reports a result partial when its reasoning is empty; the trace stays in the raw output.
      output.reasoning = ''
      output.rawResponse = `<think>\n${reasoning}\n</think>\n<answer>\n${limited.text}`
    }
    return output
  }

  return {
    name: 'local',
    convert,
    close: async () => {
      await Promise.all([pool.close(), conversions.close()])
    },
  }
}
