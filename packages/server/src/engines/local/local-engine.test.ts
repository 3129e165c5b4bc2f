import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PDFDocument } from 'pdf-lib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EngineError } from '../../engine-error.js'
import type { EngineParams } from '../../types.js'
import { type LocalEngine, localEngine } from './local-engine.js'
import { makeLayoutPdf, makePasswordProtectedPdf, makeScannedPdf, makeTextPng } from './test-documents.js'

const corpus = resolve(fileURLToPath(import.meta.url), '../../../../../../../shared/corpus/docling')
const params: EngineParams = { temperature: 0, rasterizationDPI: 150, maxOutputTokens: 0 }
let folder: string
let engine: LocalEngine

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'numarkdown-local-engine-'))
  engine = localEngine({ ocrWorkers: 1 })
})

afterAll(async () => {
  await engine.close()
  await rm(folder, { recursive: true, force: true })
})

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(folder, name)
  await writeFile(path, content)
  return path
}

function convert(path: string, options: { contentType?: string; params?: Partial<EngineParams> } = {}) {
  return engine.convert(
    {
      path,
      filename: basename(path),
      contentType: options.contentType ?? 'application/octet-stream',
      size: 0,
    },
    { ...params, ...options.params },
    new AbortController().signal,
  )
}

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(EngineError)
  return error as EngineError
}

describe('localEngine on PDFs with a text layer', () => {
  let markdown: string
  let reasoning: string

  beforeAll(async () => {
    const output = await convert(await file('layout.pdf', await makeLayoutPdf()))
    markdown = output.result
    reasoning = output.reasoning
    expect(output.pageCount).toBe(3)
  })

  it('writes the title and headings from font sizes', () => {
    expect(markdown).toMatch(/^# Quarterly Results$/m)
    expect(markdown).toMatch(/^## Revenue by Region$/m)
  })

  it('joins the lines of a paragraph', () => {
    expect(markdown).toContain(
      'Sales rose in every region this quarter, led by strong demand for the new product line and a mild winter',
    )
  })

  it('writes bullet and numbered lists', () => {
    expect(markdown).toContain('- North grew fastest\n- South held steady')
    expect(markdown).toContain('1. Review the budget\n2. Hire two engineers')
  })

  it('writes a grid as a table', () => {
    expect(markdown).toContain(
      '| Region | Q1 | Q2 |\n| - | - | - |\n| North | 120 | 180 |\n| South | 95 | 97 |',
    )
  })

  it('reads two columns column by column', () => {
    const lastLeft = markdown.indexOf('Left column sentence number 8')
    const firstRight = markdown.indexOf('Right column sentence number 1')
    expect(lastLeft).toBeGreaterThan(0)
    expect(firstRight).toBeGreaterThan(lastLeft)
    expect(markdown).toContain(
      'Left column sentence number 1 runs on. Left column sentence number 2 runs on.',
    )
  })

  it('drops the header and page numbers repeated on every page', () => {
    expect(markdown).not.toContain('ACME Quarterly Report')
    expect(markdown).not.toMatch(/Page \d/)
    expect(markdown.trim().endsWith('The outlook for the next quarter is good.')).toBe(true)
  })

  it('traces the route of every page honestly', () => {
    expect(reasoning).toContain('PDF with 3 pages: 3 read from the text layer, 0 rendered')
    expect(reasoning).toMatch(/Page 2: text layer, two columns/)
    expect(reasoning).toMatch(/Dropped 6 running header/)
  })

  it('makes bold lines at body size headings only when asked to read font weights', async () => {
    expect(markdown).toMatch(/^Outlook$/m)
    const weighted = localEngine({ fontWeights: true })
    try {
      const path = join(folder, 'layout.pdf')
      const output = await weighted.convert(
        { path, filename: 'layout.pdf', contentType: 'application/pdf', size: 0 },
        params,
        new AbortController().signal,
      )
      expect(output.result).toMatch(/^## Outlook$/m)
      expect(output.result).toMatch(/^# Quarterly Results$/m)
    } finally {
      await weighted.close()
    }
  })

  it('converts a corpus PDF close to its reference', async () => {
    const output = await convert(join(corpus, 'multi_page.pdf'))
    expect(output.result).toMatch(/^The Evolution of the Word Processor$/m)
    expect(output.result).toMatch(/^## Pre-Digital Era \(19th - Early 20th Century\)$/m)
    expect(output.result).toContain('- Wang Laboratories')
    expect(output.pageCount).toBe(5)
  })
})

describe('localEngine OCR', () => {
  const png = makeTextPng(['Invoice number 12345', 'Total due 250 euros'])

  it('stops waiting for OCR when the job is cancelled', async () => {
    const controller = new AbortController()
    const path = await file('cancelled.png', png)
    const pending = engine.convert(
      { path, filename: 'cancelled.png', contentType: 'image/png', size: png.length },
      params,
      controller.signal,
    )
    setTimeout(() => controller.abort(new Error('The job was cancelled')), 20)
    await expect(pending).rejects.toThrow('The job was cancelled')
  })

  it('reads an image', async () => {
    const output = await convert(await file('scan.png', png), { contentType: 'image/png' })
    expect(output.result).toContain('Invoice number 12345')
    expect(output.reasoning).toMatch(/image\/png image OCRed in eng, mean word confidence \d+%/)
  })

  it('OCRs the pages of a PDF that have no text layer', async () => {
    const output = await convert(await file('scanned.pdf', await makeScannedPdf(png)))
    expect(output.result).toContain('This first page has a real text layer.')
    expect(output.result).toContain('Total due 250 euros')
    expect(output.reasoning).toContain('1 read from the text layer, 1 rendered at 150 DPI and OCRed')
    expect(output.reasoning).toMatch(/Page 2: OCR in eng, mean word confidence \d+%/)
  })
})

describe('localEngine on other formats', () => {
  it('converts DOCX without inlining images', async () => {
    const output = await convert(join(corpus, 'word_sample.docx'))
    expect(output.result).toMatch(/^# Swimming in the lake$/m)
    expect(output.result).toContain('- Paddle about')
    expect(output.result).toMatch(/\| Leaves +\| Ash, Elm, Maple +\| 50 +\|/)
    expect(output.result).not.toMatch(/data:image|base64/)
  })

  it('converts HTML, leaving scripts and styles out', async () => {
    const html =
      '<!doctype html><html><head><style>p{color:red}</style><script>alert(1)</script></head><body>' +
      '<h1>Hello</h1><p>Some <b>bold</b> text.</p><ul><li>one</li><li>two</li></ul>' +
      '<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table></body></html>'
    const output = await convert(await file('page.html', html), { contentType: 'text/html' })
    expect(output.result).toContain('# Hello')
    expect(output.result).toContain('Some **bold** text.')
    expect(output.result).toContain('- one\n- two')
    expect(output.result).toMatch(/\| a +\| b +\|/)
    expect(output.result).not.toMatch(/alert|color/)
  })

  it('passes text and markdown through', async () => {
    const text = '# Notes\n\n* keep *this* as it is\n'
    const output = await convert(await file('notes.md', text), { contentType: 'text/markdown' })
    expect(output.result).toBe(text)
    expect(output.pageCount).toBeUndefined()
  })
})

describe('localEngine failures', () => {
  it('fails an unsupported type with UnsupportedFormat', async () => {
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')
    const error = await failure(convert(await file('anim.gif', gif), { contentType: 'image/gif' }))
    expect(error.code).toBe('UnsupportedFormat')
    expect(error.message).toContain('image/gif')
  })

  it('fails a corrupt PDF with InvalidDocument', async () => {
    const error = await failure(convert(await file('broken.pdf', '%PDF-1.7\n this is not a PDF body')))
    expect(error.code).toBe('InvalidDocument')
    expect(error.message).toMatch(/PDF/)
  })

  it('fails a password-protected PDF with InvalidDocument', async () => {
    const error = await failure(convert(await file('locked.pdf', await makePasswordProtectedPdf())))
    expect(error.code).toBe('InvalidDocument')
    expect(error.message).toBe('The PDF is encrypted and needs a password')
  })

  it('fails a corrupt DOCX with InvalidDocument', async () => {
    const zipHeader = Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6, 7, 8])
    const error = await failure(convert(await file('broken.docx', zipHeader)))
    expect(error.code).toBe('InvalidDocument')
    expect(error.message).toMatch(/DOCX/)
  })

  it('fails an unreadable image with InvalidDocument and keeps working', async () => {
    const bogus = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.alloc(64, 7),
    ])
    const error = await failure(convert(await file('bogus.png', bogus)))
    expect(error.code).toBe('InvalidDocument')
    const output = await convert(await file('after.md', 'still fine'))
    expect(output.result).toBe('still fine')
  })

  it('stops when the signal aborts', async () => {
    const controller = new AbortController()
    controller.abort(new Error('cancelled by the test'))
    const path = await file('aborted.md', 'text')
    await expect(
      engine.convert(
        { path, filename: 'aborted.md', contentType: 'text/markdown', size: 4 },
        params,
        controller.signal,
      ),
    ).rejects.toThrow('cancelled by the test')
  })
})

describe('localEngine output limit', () => {
  it('cuts the output at about maxOutputTokens and marks it partial', async () => {
    const text = Array.from({ length: 200 }, (_, index) => `word${index}`).join(' ')
    const output = await convert(await file('long.txt', text), { params: { maxOutputTokens: 10 } })
    expect(output.result.length).toBeLessThanOrEqual(40)
    expect(text.startsWith(output.result)).toBe(true)
    expect(output.reasoning).toBe('')
    expect(output.rawResponse).toMatch(
      /^<think>\n[\s\S]*Output cut at about 10 tokens[\s\S]*<\/think>\n<answer>\nword0 /,
    )
  })

  it('validates its options', () => {
    expect(() => localEngine({ ocrWorkers: 0 })).toThrow('expected an integer ocrWorkers ≥ 1, got 0')
    expect(() => localEngine({ minimumTextCharacters: -1 })).toThrow('got -1')
  })

  it('skips OCR for a blank page', async () => {
    const document = await PDFDocument.create()
    document.addPage([300, 400])
    const output = await convert(await file('blank.pdf', await document.save()))
    expect(output.result).toBe('')
    expect(output.pageCount).toBe(1)
    expect(output.reasoning).toContain('0 rendered at 150 DPI and OCRed, 1 blank.')
    expect(output.reasoning).toContain('Page 1: no text layer, blank when rendered')
    expect(output.warnings?.[0]).toBe('Page 1 is blank.')
  })
})
