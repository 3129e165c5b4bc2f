import { PDFDocument, StandardFonts } from 'pdf-lib'

/**
 * A small PDF with one page per entry of `pageTexts`, each page showing its text (Helvetica, so characters
 * outside Latin-1 are replaced by `?`). The bytes are deterministic for the same texts.
 */
export async function makePdf(pageTexts: string[]): Promise<Uint8Array> {
  const document = await PDFDocument.create()
  const fixedDate = new Date('2024-01-01T00:00:00Z')
  document.setCreationDate(fixedDate)
  document.setModificationDate(fixedDate)
  document.setProducer('numarkdown-js tests')
  document.setCreator('numarkdown-js tests')
  const font = await document.embedFont(StandardFonts.Helvetica)
  for (const text of pageTexts) {
    const page = document.addPage([595, 842])
    let y = 800
    for (const line of text.split('\n')) {
      page.drawText(toLatin1(line), { x: 50, y, size: 12, font })
      y -= 16
      if (y < 40) break
    }
  }
  return document.save({ useObjectStreams: false })
}

function toLatin1(text: string): string {
  return text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?')
}
