/**
 * Small documents the engine tests generate: a laid-out PDF, text drawn into a PNG, a scanned PDF, Japanese text
 * through a predefined CMap, pages with a short text layer, a filled-in form, a PDF with no page, a JPEG 2000 scan.
 */
import { createCanvas } from '@napi-rs/canvas'
import {
  beginText,
  concatTransformationMatrix,
  degrees,
  drawObject,
  endText,
  moveText,
  PDFDocument,
  type PDFFont,
  PDFHexString,
  PDFName,
  type PDFPage,
  PDFString,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  StandardFonts,
  setFontAndSize,
  showText,
} from 'pdf-lib'

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
  const line = (
    page: PDFPage,
    text: string,
    style: { size?: number; font?: PDFFont; x?: number } = {},
  ): void => {
    const { size = 11, font = regular, x = 72 } = style
    page.drawText(text, { x, y, size, font })
  }
  line(first, 'Quarterly Results', { size: 24, font: bold })
  y -= 40
  for (const text of [
    'Sales rose in every region this quarter, led by strong demand for the new',
    'product line and a mild winter that kept the stores busy until March.',
  ]) {
    line(first, text)
    y -= 14
  }
  y -= 16
  line(first, 'Revenue by Region', { size: 16, font: bold })
  y -= 26
  for (const text of ['North grew fastest', 'South held steady']) {
    line(first, '•', { x: 80 })
    line(first, text, { x: 95 })
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
    for (const [index, cell] of row.entries()) line(first, cell, { x: 72 + index * 150 })
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
  line(third, 'Outlook', { font: bold })
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

/** Shift-JIS bytes of `text`, as hex: the encoding of the 90ms-RKSJ-H CMap (from TextDecoder's own table). */
function shiftJisHex(text: string): string {
  const codes = new Map<string, string>()
  const decoder = new TextDecoder('shift_jis')
  for (const lead of [
    ...Array.from({ length: 31 }, (_, i) => 0x81 + i),
    ...Array.from({ length: 29 }, (_, i) => 0xe0 + i),
  ]) {
    for (let trail = 0x40; trail <= 0xfc; trail++) {
      if (trail === 0x7f) continue
      const character = decoder.decode(new Uint8Array([lead, trail]))
      if (character.length === 1 && !codes.has(character)) {
        codes.set(character, lead.toString(16).padStart(2, '0') + trail.toString(16).padStart(2, '0'))
      }
    }
  }
  return Array.from(text, (character) => {
    const code = character.charCodeAt(0)
    if (code < 0x80) return code.toString(16).padStart(2, '0')
    const bytes = codes.get(character)
    if (!bytes) throw new Error(`No Shift-JIS code for ${character}`)
    return bytes
  }).join('')
}

/**
 * Japanese text set in a font that is not embedded, addressed through the predefined CMap 90ms-RKSJ-H (Shift-JIS
 * codes, Adobe-Japan1 CIDs): what a reader needs pdfjs's CMap files to decode. One line per entry of `lines`, all
 * on page one, above `scan` when one is given.
 */
export async function makeCjkPdf(lines: string[], scan?: Buffer): Promise<Uint8Array> {
  const { document } = await newDocument()
  const page = document.addPage([595, 842])
  if (scan) {
    // A scanned page under the lines, as a cover sheet with a title typed over a scan.
    const image = await document.embedPng(scan)
    page.drawImage(image, { x: 0, y: 0, width: 595, height: 700 })
  }
  const context = document.context
  const descriptor = context.obj({
    Type: 'FontDescriptor',
    FontName: 'KozMinPr6N-Regular',
    Flags: 4,
    FontBBox: [-437, -340, 1147, 1317],
    ItalicAngle: 0,
    Ascent: 1317,
    Descent: -349,
    CapHeight: 742,
    StemV: 80,
  })
  const descendant = context.obj({
    Type: 'Font',
    Subtype: 'CIDFontType0',
    BaseFont: 'KozMinPr6N-Regular',
    CIDSystemInfo: { Registry: PDFString.of('Adobe'), Ordering: PDFString.of('Japan1'), Supplement: 6 },
    FontDescriptor: context.register(descriptor),
    DW: 1000,
  })
  const font = context.register(
    context.obj({
      Type: 'Font',
      Subtype: 'Type0',
      BaseFont: 'KozMinPr6N-Regular-90ms-RKSJ-H',
      Encoding: '90ms-RKSJ-H',
      DescendantFonts: [context.register(descendant)],
    }),
  )
  page.node.setFontDictionary(PDFName.of('FJ'), font)
  const operators = lines.flatMap((line, index) => [
    beginText(),
    setFontAndSize('FJ', 20),
    moveText(72, 760 - index * 32),
    showText(PDFHexString.of(shiftJisHex(line))),
    endText(),
  ])
  page.pushOperators(...operators)
  return document.save({ useObjectStreams: false })
}

/** A picture with no text in it: soft coloured bands, as a photo or a logo would be to OCR. */
export function makePicturePng(): Buffer {
  const canvas = createCanvas(600, 400)
  const context = canvas.getContext('2d')
  const gradient = context.createLinearGradient(0, 0, 600, 400)
  gradient.addColorStop(0, '#d8e4f0')
  gradient.addColorStop(1, '#f4e2c8')
  context.fillStyle = gradient
  context.fillRect(0, 0, 600, 400)
  context.fillStyle = '#9bb7d4'
  context.beginPath()
  context.arc(300, 200, 120, 0, Math.PI * 2)
  context.fill()
  return canvas.toBuffer('image/png')
}

/**
 * Pages with a short text layer: a title above a picture without text (page 1; OCR can add nothing), and a small
 * stamp above a scanned page of text (page 2; OCR reads far more than the stamp).
 */
export async function makeShortTextPdf(scan: Buffer): Promise<Uint8Array> {
  const { document, bold, regular } = await newDocument()
  const cover = document.addPage([595, 842])
  cover.drawText('Annual Report', { x: 72, y: 760, size: 28, font: bold })
  const picture = await document.embedPng(makePicturePng())
  cover.drawImage(picture, { x: 72, y: 300, width: 450, height: 300 })
  const scanned = document.addPage([595, 842])
  scanned.drawText('Copy 7', { x: 500, y: 820, size: 8, font: regular })
  const image = await document.embedPng(scan)
  scanned.drawImage(image, { x: 0, y: 0, width: 595, height: 842 })
  return document.save({ useObjectStreams: false })
}

/** A page with nothing but filled-in form fields: a text field, a checkbox and a choice. */
export async function makeFormPdf(): Promise<Uint8Array> {
  const { document } = await newDocument()
  const page = document.addPage([595, 842])
  const form = document.getForm()
  const name = form.createTextField('applicant.name')
  name.setText('Jane Doe')
  name.addToPage(page, { x: 72, y: 740, width: 300, height: 24 })
  // The tooltip (TU) is the label a reader sees for the field.
  for (const widget of name.acroField.getWidgets())
    widget.dict.set(PDFName.of('TU'), PDFString.of('Full name'))
  name.acroField.dict.set(PDFName.of('TU'), PDFString.of('Full name'))
  const city = form.createTextField('city')
  city.setText('Lisbon')
  city.addToPage(page, { x: 72, y: 700, width: 300, height: 24 })
  const subscribed = form.createCheckBox('subscribed')
  subscribed.addToPage(page, { x: 72, y: 660, width: 16, height: 16 })
  subscribed.check()
  const unticked = form.createCheckBox('unticked')
  unticked.addToPage(page, { x: 72, y: 630, width: 16, height: 16 })
  const plan = form.createDropdown('plan')
  plan.addOptions(['Basic', 'Premium'])
  plan.select('Premium')
  plan.addToPage(page, { x: 72, y: 590, width: 200, height: 24 })
  return document.save({ useObjectStreams: false })
}

/** A PDF with no page at all. */
export async function makeEmptyPdf(): Promise<Uint8Array> {
  const { document } = await newDocument()
  return document.save({ useObjectStreams: false, addDefaultPage: false })
}

/** A scan stored as a JPEG 2000 image (`JPXDecode`), the only content of its page. */
export async function makeJpxScanPdf(jpx: Buffer, width: number, height: number): Promise<Uint8Array> {
  const { document } = await newDocument()
  const page = document.addPage([595, 842])
  const image = document.context.register(
    document.context.stream(jpx, {
      Type: 'XObject',
      Subtype: 'Image',
      Width: width,
      Height: height,
      Filter: 'JPXDecode',
    }),
  )
  page.node.setXObject(PDFName.of('Scan'), image)
  const shown = { width: 500, height: (500 * height) / width }
  page.pushOperators(
    pushGraphicsState(),
    concatTransformationMatrix(shown.width, 0, 0, shown.height, 48, 842 - 72 - shown.height),
    drawObject('Scan'),
    popGraphicsState(),
  )
  return document.save({ useObjectStreams: false })
}

/** Splits `text` into lines no wider than `width` at `size` points. */
export function wrapText(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    const candidate = line ? `${line} ${word}` : word
    if (line && font.widthOfTextAtSize(candidate, size) > width) {
      lines.push(line)
      line = word
    } else {
      line = candidate
    }
  }
  if (line) lines.push(line)
  return lines
}

/** Options of {@link drawTable}. */
export interface TableLayout {
  /** Width of each column in points. */
  widths: number[]
  size?: number
  /** Draw the cell borders. @default true */
  ruled?: boolean
  /** Set the first row in the bold font. */
  header?: PDFFont
}

/**
 * Draws a table whose top left corner is at (`x`, `top`): cell text wraps within its column, each row as tall as
 * its tallest cell; a cell may hold several paragraphs (`\n`), each starting on a new line. Returns the y under the
 * table.
 */
export function drawTable(
  page: PDFPage,
  font: PDFFont,
  x: number,
  top: number,
  rows: string[][],
  layout: TableLayout,
): number {
  const size = layout.size ?? 10
  const leading = size * 1.25
  const padding = 4
  let y = top
  for (const [rowIndex, row] of rows.entries()) {
    const rowFont = rowIndex === 0 && layout.header ? layout.header : font
    const cellLines = row.map((cell, column) =>
      cell
        .split('\n')
        .flatMap((part) => wrapText(part, rowFont, size, (layout.widths[column] ?? 100) - 2 * padding)),
    )
    const height = Math.max(1, ...cellLines.map((lines) => lines.length)) * leading + 2 * padding
    let cellX = x
    for (const [column, lines] of cellLines.entries()) {
      const width = layout.widths[column] ?? 100
      for (const [index, text] of lines.entries()) {
        page.drawText(text, {
          x: cellX + padding,
          y: y - padding - size - index * leading,
          size,
          font: rowFont,
        })
      }
      if (layout.ruled ?? true) {
        page.drawRectangle({
          x: cellX,
          y: y - height,
          width,
          height,
          borderWidth: 0.5,
          borderColor: rgb(0.3, 0.3, 0.3),
        })
      }
      cellX += width
    }
    y -= height
  }
  return y
}

/**
 * A landscape table set sideways on a portrait page (its text runs bottom to top, as a report prints a wide table),
 * under a heading set sideways too.
 */
export async function makeSidewaysTablePdf(rows: string[][]): Promise<Uint8Array> {
  const { document, regular, bold } = await newDocument()
  const page = document.addPage([595, 842])
  // Text turned a quarter counter-clockwise reads bottom to top; the reader's next line is further right.
  const draw = (text: string, place: { along: number; line: number; font: PDFFont; size: number }): void => {
    page.drawText(text, {
      x: place.line,
      y: place.along,
      size: place.size,
      font: place.font,
      rotate: degrees(90),
    })
  }
  draw('Staff by department and year', { along: 72, line: 72, font: bold, size: 16 })
  for (const [index, row] of rows.entries()) {
    for (const [column, cell] of row.entries()) {
      draw(cell, {
        along: 72 + column * 150,
        line: 112 + index * 20,
        font: index === 0 ? bold : regular,
        size: 11,
      })
    }
  }
  return document.save({ useObjectStreams: false })
}
