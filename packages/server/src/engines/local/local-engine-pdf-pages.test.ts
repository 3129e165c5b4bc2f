import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EngineError } from '../../engine-error.js'
import type { EngineOutput, EngineParams } from '../../types.js'
import { openPdf } from '../shared/pdf-document.js'
import { renderPdfPage } from '../shared/render-page.js'
import { type LocalEngine, localEngine } from './local-engine.js'
import { OcrPool } from './ocr-pool.js'
import { makeCjkPdf, makeEmptyPdf, makeFormPdf, makeJpxScanPdf, makeShortTextPdf } from './test-documents.js'
import { jpxScan } from './test-jpx-image.js'
import { makeScanPng, scanSentences } from './test-scans.js'

/** OCR of a few pages takes seconds, and much longer on a loaded machine: a hang guard, not a speed limit. */
const ocrTimeout = 180_000

const params: EngineParams = { temperature: 0, rasterizationDPI: 150, maxOutputTokens: 0 }
let folder: string
let engine: LocalEngine

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'numarkdown-pdf-pages-'))
  engine = localEngine({ ocrWorkers: 1 })
})

afterAll(async () => {
  await engine.close()
  await rm(folder, { recursive: true, force: true })
})

async function convert(name: string, content: Uint8Array): Promise<EngineOutput> {
  const path = join(folder, name)
  await writeFile(path, content)
  return engine.convert(
    { path, filename: basename(path), contentType: 'application/pdf', size: content.length },
    params,
    new AbortController().signal,
  )
}

describe('localEngine on pages with little or no text layer', () => {
  it('decodes Japanese text through its predefined CMap and keeps a short line instead of OCRing it', async () => {
    const output = await convert('japanese.pdf', await makeCjkPdf(['あいうえお 日本語']))
    expect(output.result).toBe('あいうえお 日本語')
    expect(output.reasoning).toContain('1 read from the text layer, 0 rendered')
    expect(output.warnings).toBeUndefined()
  })

  it('decodes a longer Japanese text layer and joins its lines without spaces', async () => {
    const output = await convert(
      'japanese-long.pdf',
      await makeCjkPdf(['お知らせ', '日本語の文書を正しく読み取り', 'ます。表と見出しも大切です。']),
    )
    // A short line ends its paragraph; lines that run to the edge are one paragraph, joined without a space.
    expect(output.result).toBe('お知らせ\n\n日本語の文書を正しく読み取ります。表と見出しも大切です。')
  })

  it('keeps a short title when OCR of the page reads no more, and OCRs a scan under a small stamp', {
    timeout: ocrTimeout,
  }, async () => {
    const scan = makeScanPng([...scanSentences])
    const output = await convert('short.pdf', await makeShortTextPdf(scan))
    expect(output.result).toMatch(/^#{0,2} ?Annual Report$/m)
    expect(output.reasoning).toMatch(/Page 1: text layer, one column \(short; OCR of the page read no more/)
    expect(output.result).toContain('The committee met on Tuesday to review the annual budget.')
    expect(output.reasoning).toMatch(/Page 2: OCR in eng, mean word confidence \d+%/)
  })

  it('keeps a short text layer that OCR did not read above the OCR text of the scan it sits on', {
    timeout: ocrTimeout,
  }, async () => {
    const scan = makeScanPng([...scanSentences])
    const output = await convert('cover-sheet.pdf', await makeCjkPdf(['年次報告書'], scan))
    expect(output.result).toMatch(/^年次報告書\n\n/)
    expect(output.result).toContain('The committee met on Tuesday to review the annual budget.')
    expect(output.reasoning).toMatch(/Page 1: OCR in eng/)
  })

  it('writes the values of filled-in form fields', async () => {
    const output = await convert('form.pdf', await makeFormPdf())
    expect(output.result).toContain('Full name: Jane Doe')
    expect(output.result).toContain('city: Lisbon')
    expect(output.result).toContain('subscribed: Yes')
    expect(output.result).toContain('plan: Premium')
    expect(output.result).not.toContain('unticked')
    expect(output.reasoning).toMatch(/Page 1: text layer, one column, 4 form field values/)
  })

  it('OCRs a JPEG 2000 scan', { timeout: ocrTimeout }, async () => {
    const output = await convert('jpx.pdf', await makeJpxScanPdf(jpxScan, 640, 150))
    expect(output.result).toContain('Invoice number 12345')
    expect(output.result).toContain('Total due 250 euros')
  })

  it('keeps a short text layer of a page without images, without OCR', async () => {
    const document = await PDFDocument.create()
    const font = await document.embedFont(StandardFonts.Helvetica)
    document.addPage([595, 842]).drawText('Appendix B', { x: 40, y: 700, size: 22, font })
    const output = await convert('appendix.pdf', await document.save())
    expect(output.result).toMatch(/^#{0,2} ?Appendix B$/)
    expect(output.reasoning).toContain('1 read from the text layer, 0 rendered')
  })

  it('OCRs a page set in a standard font that is not embedded', { timeout: ocrTimeout }, async () => {
    const document = await PDFDocument.create()
    const font = await document.embedFont(StandardFonts.TimesRoman)
    document
      .addPage([595, 842])
      .drawText('Standard fonts render without embedding', { x: 40, y: 700, size: 22, font })
    const path = join(folder, 'times.pdf')
    await writeFile(path, await document.save())
    const pdf = await openPdf(path)
    const pool = new OcrPool(1, 60_000, { detectOrientation: false })
    try {
      const rendered = await renderPdfPage(pdf, { page: 1, dpi: 150, signal: new AbortController().signal })
      expect(rendered.blank).toBe(false)
      const result = await pool.recognize(rendered.png, new AbortController().signal)
      expect(result.text).toContain('Standard fonts render without embedding')
    } finally {
      await pool.close()
      await pdf.destroy()
    }
  })
})

describe('localEngine on empty documents', () => {
  it('fails a PDF with no pages with EmptyDocument', async () => {
    const error = await convert('no-pages.pdf', await makeEmptyPdf()).then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(error).toBeInstanceOf(EngineError)
    expect((error as EngineError).code).toBe('EmptyDocument')
    expect((error as EngineError).message).toBe('The PDF has no pages: there is nothing to convert')
  })

  it('completes blank pages with an empty result and a warning', async () => {
    const document = await PDFDocument.create()
    document.addPage([300, 400])
    document.addPage([300, 400])
    const output = await convert('blank.pdf', await document.save())
    expect(output.result).toBe('')
    expect(output.warnings).toEqual([
      'Page 1 is blank.',
      'Page 2 is blank.',
      "No text was found in the PDF's 2 pages: no text layer, no form field values, and nothing OCR could read.",
    ])
  })
})
