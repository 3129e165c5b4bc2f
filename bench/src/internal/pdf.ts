import { PDFDocument, StandardFonts } from 'pdf-lib'

/** A PDF with one page of text per entry of `pageTexts`. */
export async function makePdf(pageTexts: readonly string[]): Promise<Uint8Array> {
  const document = await PDFDocument.create()
  const font = await document.embedFont(StandardFonts.Helvetica)
  for (const text of pageTexts) {
    const page = document.addPage([595, 842])
    page.drawText(text, { x: 72, y: 770, size: 14, font })
  }
  return document.save()
}
