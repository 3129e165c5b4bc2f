// Writes the example documents of examples/inbox (all made here, owned by the project):
// a PDF with a text layer, a scanned page (an image with no text layer), a DOCX and an HTML page.
// Run: pnpm --filter numarkdown-watch run make-example-inbox
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { crc32, deflateRawSync } from 'node:zlib'
import { createCanvas } from '@napi-rs/canvas'
import { PDFDocument, rgb, StandardFonts } from 'pdf-lib'

const inbox = resolve(dirname(fileURLToPath(import.meta.url)), '../../../examples/inbox')
mkdirSync(inbox, { recursive: true })
// Fixed dates keep the files byte-identical from run to run.
const fixedDate = new Date('2026-01-15T09:00:00Z')

async function textPdf() {
  const document = await PDFDocument.create()
  document.setTitle('Quarterly report')
  document.setCreationDate(fixedDate)
  document.setModificationDate(fixedDate)
  document.setProducer('numarkdown-js examples')
  document.setCreator('numarkdown-js examples')
  const regular = await document.embedFont(StandardFonts.Helvetica)
  const bold = await document.embedFont(StandardFonts.HelveticaBold)
  const page = document.addPage([595, 842])
  let y = 780
  const line = (text, font = regular, size = 11) => {
    page.drawText(text, { x: 60, y, size, font, color: rgb(0.1, 0.1, 0.1) })
    y -= size * 1.6
  }
  line('Quarterly report: Q4 2025', bold, 20)
  y -= 8
  line('Summary', bold, 14)
  line('Orders grew in every region. The new warehouse opened on time and under budget.')
  line('Returns fell to 2.1% after the packaging change of October.')
  y -= 8
  line('Figures', bold, 14)
  const rows = [
    ['Region', 'Orders', 'Revenue (EUR)'],
    ['North', '1 240', '318 400'],
    ['South', '980', '254 100'],
    ['East', '1 105', '287 900'],
  ]
  for (const [index, row] of rows.entries()) {
    const font = index === 0 ? bold : regular
    page.drawText(row[0], { x: 60, y, size: 11, font })
    page.drawText(row[1], { x: 220, y, size: 11, font })
    page.drawText(row[2], { x: 340, y, size: 11, font })
    y -= 18
  }
  y -= 8
  line('Next steps', bold, 14)
  line('1. Hire two more people for the East team.')
  line('2. Move invoicing to the new system by March.')
  return document.save({ useObjectStreams: false })
}

function scannedPage() {
  // A page photographed or scanned: pixels only, slightly grey and tilted, no text layer.
  const width = 1240
  const height = 1754
  const canvas = createCanvas(width, height)
  const context = canvas.getContext('2d')
  context.fillStyle = '#f4f2ec'
  context.fillRect(0, 0, width, height)
  context.translate(width / 2, height / 2)
  context.rotate(-0.006)
  context.translate(-width / 2, -height / 2)
  context.fillStyle = '#1c1c1c'
  context.font = 'bold 54px "DejaVu Serif"'
  context.fillText('Letter of thanks', 120, 220)
  context.font = '34px "DejaVu Serif"'
  const lines = [
    'Dear neighbours,',
    '',
    'Thank you for helping us clean the park',
    'on Saturday. Together we collected',
    'forty bags of litter and planted twelve',
    'young trees along the river path.',
    '',
    'The next clean-up is on the first',
    'Saturday of May, at nine in the morning.',
    '',
    'With our warm regards,',
    'The Riverside Garden Club',
  ]
  lines.forEach((text, index) => {
    context.fillText(text, 120, 360 + index * 62)
  })
  return canvas.toBuffer('image/png')
}

/** A ZIP archive (what a .docx is), written by hand: local headers, central directory, end record. */
function zip(files) {
  const locals = []
  const centrals = []
  let offset = 0
  const time = ((9 << 11) | (0 << 5)) & 0xffff
  const date = (((2026 - 1980) << 9) | (1 << 5) | 15) & 0xffff
  for (const [name, text] of files) {
    const data = Buffer.from(text, 'utf8')
    const compressed = deflateRawSync(data)
    const nameBytes = Buffer.from(name, 'utf8')
    const checksum = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6)
    local.writeUInt16LE(8, 8)
    local.writeUInt16LE(time, 10)
    local.writeUInt16LE(date, 12)
    local.writeUInt32LE(checksum, 14)
    local.writeUInt32LE(compressed.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    local.writeUInt16LE(0, 28)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt16LE(8, 10)
    central.writeUInt16LE(time, 12)
    central.writeUInt16LE(date, 14)
    central.writeUInt32LE(checksum, 16)
    central.writeUInt32LE(compressed.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBytes, compressed)
    centrals.push(central, nameBytes)
    offset += local.length + nameBytes.length + compressed.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(files.length, 8)
  end.writeUInt16LE(files.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

function docx() {
  const escapeXml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const paragraph = (text, style) =>
    `<w:p>${style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : ''}<w:r><w:t xml:space="preserve">${escapeXml(text)}</w:t></w:r></w:p>`
  const bullet = (text) =>
    `<w:p><w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t xml:space="preserve">${escapeXml(text)}</w:t></w:r></w:p>`
  const body = [
    paragraph('Meeting notes: website relaunch', 'Heading1'),
    paragraph('Date: 14 January 2026. Present: Ana, Bilal, Chen, Dora.'),
    paragraph('Decisions', 'Heading2'),
    bullet('The new site goes live on 2 March.'),
    bullet('Chen owns the migration of the old blog posts.'),
    bullet('We keep the current domain and redirect the old paths.'),
    paragraph('Open questions', 'Heading2'),
    paragraph('Which analytics tool respects our privacy policy? Dora compares three by Friday.'),
  ].join('')
  const document = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}<w:sectPr/></w:body></w:document>`
  const styles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:sz w:val="26"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/></w:style>
</w:styles>`
  const numbering = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl></w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
</w:numbering>`
  return zip([
    [
      '[Content_Types].xml',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>
</Types>`,
    ],
    [
      '_rels/.rels',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>`,
    ],
    [
      'word/_rels/document.xml.rels',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>
</Relationships>`,
    ],
    ['word/document.xml', document],
    ['word/styles.xml', styles],
    ['word/numbering.xml', numbering],
  ])
}

const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Release notes 2.4</title></head>
<body>
<h1>Release notes 2.4</h1>
<p>This release makes exports <strong>twice as fast</strong> and fixes the two most reported bugs.</p>
<h2>New</h2>
<ul>
<li>Export to CSV and JSON from every table.</li>
<li>Keyboard shortcuts for the search panel.</li>
</ul>
<h2>Fixed</h2>
<table>
<thead><tr><th>Issue</th><th>Fix</th></tr></thead>
<tbody>
<tr><td>#412</td><td>Dates in exports used the wrong time zone.</td></tr>
<tr><td>#398</td><td>Long names were cut in the sidebar.</td></tr>
</tbody>
</table>
<p>Read the full list on the <a href="https://example.com/changelog">changelog</a>.</p>
</body>
</html>
`

writeFileSync(join(inbox, 'quarterly-report.pdf'), await textPdf())
writeFileSync(join(inbox, 'scanned-letter.png'), scannedPage())
writeFileSync(join(inbox, 'meeting-notes.docx'), docx())
writeFileSync(join(inbox, 'release-notes.html'), html)
console.log(`wrote 4 documents to ${inbox}`)
