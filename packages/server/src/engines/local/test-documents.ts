/** Small documents the engine tests generate: a laid-out PDF, text drawn into a PNG, a scanned PDF. */
import { createCanvas } from '@napi-rs/canvas'
import { PDFDocument, type PDFFont, PDFHexString, PDFName, type PDFPage, StandardFonts } from 'pdf-lib'

async function newDocument(): Promise<{ document: PDFDocument; regular: PDFFont; bold: PDFFont }> {
  const document = await PDFDocument.create()
  const fixedDate = new Date('2024-01-01T00:00:00Z')
  document.setCreationDate(fixedDate)
  document.setModificationDate(fixedDate)
  return {
    document,
    regular: await document.embedFont(StandardFonts.Helvetica),
    bold: await document.embedFont(StandardFonts.HelveticaBold),
  }
}

function frame(page: PDFPage, font: PDFFont, number: number): void {
  page.drawText('ACME Quarterly Report 2026', { x: 72, y: 810, size: 9, font })
  page.drawText(`Page ${number}`, { x: 280, y: 30, size: 9, font })
}

/**
 * Three pages: a title, a paragraph, a heading, bullet and numbered lists and a grid table (page 1); two
 * columns of running text (page 2); a bold heading at body size and a closing paragraph (page 3). Every page repeats a header and a footer.
 */
export async function makeLayoutPdf(): Promise<Uint8Array> {
  const { document, regular, bold } = await newDocument()
  const first = document.addPage([595, 842])
  frame(first, regular, 1)
  let y = 760
  const line = (page: PDFPage, text: string, size = 11, font = regular, x = 72): void => {
    page.drawText(text, { x, y, size, font })
  }
  line(first, 'Quarterly Results', 24, bold)
  y -= 40
  for (const text of [
    'Sales rose in every region this quarter, led by strong demand for the new',
    'product line and a mild winter that kept the stores busy until March.',
  ]) {
    line(first, text)
    y -= 14
  }
  y -= 16
  line(first, 'Revenue by Region', 16, bold)
  y -= 26
  for (const text of ['North grew fastest', 'South held steady']) {
    line(first, '•', 11, regular, 80)
    line(first, text, 11, regular, 95)
    y -= 14
  }
  y -= 10
  for (const text of ['1. Review the budget', '2. Hire two engineers']) {
    line(first, text)
    y -= 14
  }
  y -= 16
  for (const row of [
    ['Region', 'Q1', 'Q2'],
    ['North', '120', '180'],
    ['South', '95', '97'],
  ]) {
    for (const [index, cell] of row.entries()) line(first, cell, 11, regular, 72 + index * 150)
    y -= 16
  }

  const second = document.addPage([595, 842])
  frame(second, regular, 2)
  y = 760
  for (let index = 1; index <= 8; index++) {
    second.drawText(`Left column sentence number ${index} runs on.`, { x: 50, y, size: 11, font: regular })
    second.drawText(`Right column sentence number ${index} runs on.`, { x: 320, y, size: 11, font: regular })
    y -= 14
  }

  const third = document.addPage([595, 842])
  frame(third, regular, 3)
  y = 760
  line(third, 'Outlook', 11, bold)
  y -= 24
  line(third, 'The outlook for the next quarter is good.')
  return document.save({ useObjectStreams: false })
}

/** A white PNG with black text lines, large enough for OCR to read reliably. */
export function makeTextPng(lines: string[]): Buffer {
  const canvas = createCanvas(1000, 80 + lines.length * 70)
  const context = canvas.getContext('2d')
  context.fillStyle = '#ffffff'
  context.fillRect(0, 0, canvas.width, canvas.height)
  context.fillStyle = '#000000'
  context.font = '40px sans-serif'
  for (const [index, text] of lines.entries()) context.fillText(text, 40, 80 + index * 70)
  return canvas.toBuffer('image/png')
}

/** Page 1 has a text layer; page 2 is only an image of text (a scan). */
export async function makeScannedPdf(png: Buffer): Promise<Uint8Array> {
  const { document, regular } = await newDocument()
  const textPage = document.addPage([595, 842])
  textPage.drawText('This first page has a real text layer.', { x: 72, y: 760, size: 12, font: regular })
  const scan = document.addPage([595, 842])
  const image = await document.embedPng(png)
  const width = 500
  const height = (image.height / image.width) * width
  scan.drawImage(image, { x: 48, y: 842 - 72 - height, width, height })
  return document.save({ useObjectStreams: false })
}

/**
 * A PDF whose trailer declares standard encryption that neither the empty user password nor the empty owner
 * password opens: what a reader sees of a password-protected file.
 */
export async function makePasswordProtectedPdf(): Promise<Uint8Array> {
  const { document, regular } = await newDocument()
  document.addPage([595, 842]).drawText('Secret', { x: 72, y: 760, size: 12, font: regular })
  const context = document.context
  const encrypt = context.obj({
    Filter: PDFName.of('Standard'),
    V: 1,
    R: 2,
    Length: 40,
    P: -44,
    O: PDFHexString.of('5a'.repeat(32)),
    U: PDFHexString.of('a5'.repeat(32)),
  })
  context.trailerInfo.Encrypt = context.register(encrypt)
  const id = PDFHexString.of('0123456789abcdef0123456789abcdef')
  context.trailerInfo.ID = context.obj([id, id])
  return document.save({ useObjectStreams: false })
}
