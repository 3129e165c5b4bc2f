import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalEngine, localEngine } from './local-engine.js'
import { drawTable, makeSidewaysTablePdf } from './test-documents.js'

let folder: string
let engine: LocalEngine
let markdown: string

/** A paragraph set at 11 pt above a larger table set at 10 pt: most characters of the page are in the table. */
async function makeTablePdf(): Promise<Uint8Array> {
  const document = await PDFDocument.create()
  const regular = await document.embedFont(StandardFonts.Helvetica)
  const bold = await document.embedFont(StandardFonts.HelveticaBold)
  const page = document.addPage([595, 842])
  page.drawText('Spending rose by four and a half percent, as the table below shows in detail.', {
    x: 72,
    y: 770,
    size: 11,
    font: regular,
  })
  drawTable(
    page,
    regular,
    72,
    750,
    [
      ['Project', 'Owner', 'Status and next step'],
      [
        'Harbour bridge repair',
        'Maria Lopez',
        'Steel delivered in March.\nWelding starts after the spring floods.',
      ],
      [
        'Library extension',
        'Tom Becker',
        'Planning permission granted; tender documents are being written now.',
      ],
      [
        'Cycle lanes on Mill Road',
        'Anna Kowalski',
        'Consultation closed.\nResults go to the council in June.',
      ],
    ],
    { widths: [150, 100, 200], header: bold },
  )
  return document.save({ useObjectStreams: false })
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'numarkdown-pdf-tables-'))
  engine = localEngine({ ocrWorkers: 1 })
  const path = join(folder, 'table.pdf')
  await writeFile(path, await makeTablePdf())
  const output = await engine.convert(
    { path, filename: 'table.pdf', contentType: 'application/pdf', size: 0 },
    { temperature: 0, rasterizationDPI: 150, maxOutputTokens: 0 },
    new AbortController().signal,
  )
  markdown = output.result
})

afterAll(async () => {
  await engine.close()
  await rm(folder, { recursive: true, force: true })
})

describe('localEngine on PDF grid tables', () => {
  it('keeps the wrapped last line of the last row inside the table', () => {
    expect(markdown).toMatch(
      /^\| Cycle lanes on Mill Road \| Anna Kowalski \| Consultation closed\.<br>Results go to the council in June\. \|$/m,
    )
  })

  it('writes a deliberate line break inside a cell as <br> and joins wrapped lines with a space', () => {
    expect(markdown).toContain('| Steel delivered in March.<br>Welding starts after the spring floods. |')
    expect(markdown).toContain('| Planning permission granted; tender documents are being written now. |')
  })

  it('does not take running text for a heading because the tables are set smaller', () => {
    expect(markdown).toMatch(/^Spending rose by four and a half percent/m)
  })

  it('reads a table set sideways on a portrait page', async () => {
    const path = join(folder, 'sideways.pdf')
    await writeFile(
      path,
      await makeSidewaysTablePdf([
        ['Department', '2023', '2024', 'Change'],
        ['Finance', '42', '45', '+3'],
        ['Operations', '130', '128', '-2'],
      ]),
    )
    const output = await engine.convert(
      { path, filename: 'sideways.pdf', contentType: 'application/pdf', size: 0 },
      { temperature: 0, rasterizationDPI: 150, maxOutputTokens: 0 },
      new AbortController().signal,
    )
    expect(output.result).toBe(
      '## Staff by department and year\n\n| Department | 2023 | 2024 | Change |\n| - | - | - | - |\n| Finance | 42 | 45 | +3 |\n| Operations | 130 | 128 | -2 |',
    )
  })
})
