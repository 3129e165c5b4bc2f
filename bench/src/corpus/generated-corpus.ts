/**
 * A corpus of documents made for the local engine's known defect classes, each with the markdown a careful reader
 * would write for it: tables whose cells hold line breaks, paragraphs and nested tables (PDF, DOCX, HTML), scans
 * turned by 90, 180 and 270 degrees, Japanese text through a predefined CMap, short text layers over pictures,
 * filled-in forms, DOCX equations, charts and multi-level numbering. The documents are generated here, in
 * memory, by the same generators as the engine's tests (pdf-lib, a small DOCX writer, @napi-rs/canvas), so the
 * corpus needs no files and is the same on every machine.
 *
 * Content is ordinary prose and figures, not tuned to the engine: the references say what the page says.
 */
import { PDFDocument, type PDFFont, StandardFonts } from 'pdf-lib'
import {
  drawTable,
  makeCjkPdf,
  makeFormPdf,
  makeShortTextPdf,
  wrapText,
} from '../../../packages/server/src/engines/local/test-documents.ts'
import {
  chartParagraph,
  equation,
  makeDocx,
  math,
  numbering,
  paragraph,
  run,
  table,
} from '../../../packages/server/src/engines/local/test-docx.ts'
import { makeScanPdf, makeScanPng } from '../../../packages/server/src/engines/local/test-scans.ts'

/** One document of the corpus. */
export interface CorpusDocument {
  /** File name, with the extension the engine sees. */
  name: string
  /** How it is scored: text-layer PDF, DOCX, HTML, or scan (OCR). */
  kind: 'pdf' | 'docx' | 'html' | 'scan'
  /** The defect class it shows. */
  defect: string
  /** Whether it holds a table (the engine must beat the raw text on these). */
  table: boolean
  build(): Promise<Uint8Array>
  /** The markdown a careful reader would write. */
  reference: string
}

async function pdfWithFonts(): Promise<{ document: PDFDocument; regular: PDFFont; bold: PDFFont }> {
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

/** Writes paragraphs from `y` down, wrapped to `width`; returns the y under them. */
function drawParagraphs(
  page: ReturnType<PDFDocument['addPage']>,
  font: PDFFont,
  texts: string[],
  y: number,
  options: { x?: number; width?: number; size?: number } = {},
): number {
  const size = options.size ?? 11
  let cursor = y
  for (const text of texts) {
    for (const line of wrapText(text, font, size, options.width ?? 450)) {
      page.drawText(line, { x: options.x ?? 72, y: cursor, size, font })
      cursor -= size * 1.3
    }
    cursor -= size * 0.9
  }
  return cursor
}

const projectRows = [
  ['Project', 'Owner', 'Status and next step'],
  [
    'Harbour bridge repair',
    'Maria Lopez',
    'Steel delivered in March.\nWelding starts after the spring floods.',
  ],
  ['Library extension', 'Tom Becker', 'Planning permission granted; tender documents are being written.'],
  ['Cycle lanes on Mill Road', 'Anna Kowalski', 'Consultation closed.\nResults go to the council in June.'],
]

const projectTableMarkdown = `| Project | Owner | Status and next step |
| --- | --- | --- |
| Harbour bridge repair | Maria Lopez | Steel delivered in March.<br>Welding starts after the spring floods. |
| Library extension | Tom Becker | Planning permission granted; tender documents are being written. |
| Cycle lanes on Mill Road | Anna Kowalski | Consultation closed.<br>Results go to the council in June. |`

const budgetRows = [
  ['Item', '2024', '2025', 'Change'],
  ['Staff', '1,240', '1,310', '+5.6%'],
  ['Buildings', '860', '812', '-5.6%'],
  ['Equipment and vehicles', '315', '402', '+27.6%'],
  ['Total', '2,415', '2,524', '+4.5%'],
]

const budgetTableMarkdown = `| Item | 2024 | 2025 | Change |
| --- | --- | --- | --- |
| Staff | 1,240 | 1,310 | +5.6% |
| Buildings | 860 | 812 | -5.6% |
| Equipment and vehicles | 315 | 402 | +27.6% |
| Total | 2,415 | 2,524 | +4.5% |`

const councilIntro = [
  'The council reviewed the progress of its public works at the April meeting. Most projects are on schedule, although the harbour bridge has been delayed by the late delivery of steel.',
  'The table below lists each project with the officer responsible for it and the next step agreed by the committee.',
]

const budgetIntro = [
  'Spending rose by four and a half percent. Staff costs grew with the new pay agreement, while the sale of the old depot reduced the cost of buildings.',
]

const scanLines = [
  'The museum will reopen on the first of May after a long renovation.',
  'Visitors can see the restored ceiling paintings in the great hall.',
  'Guided tours start every hour from ten in the morning until four.',
  'Tickets for adults cost twelve euros and children enter for free.',
  'The cafe on the ground floor serves soup, sandwiches and cakes.',
  'Please leave large bags and umbrellas in the lockers by the entrance.',
]

const scanReference = `## Museum reopening

${scanLines.join(' ')}`

const invoiceIntro = [
  'Billed to: Harbour Dental Practice, 14 Quay Street. Payment is due within thirty days of the invoice date.',
]

const invoiceItems = Array.from({ length: 20 }, (_, index) => {
  const products = [
    'Printer paper, 500 sheets',
    'Blue ballpoint pens, box of 50',
    'Stapler',
    'Lever arch file',
    'Desk lamp',
  ]
  const prices = [4.5, 7.2, 12.9, 3.1, 24.0]
  const quantity = (index % 4) + 1
  const price = prices[index % prices.length] as number
  return [
    `${products[index % products.length]} (order ${101 + index})`,
    String(quantity),
    price.toFixed(2),
    (price * quantity).toFixed(2),
  ]
})

const invoiceClosing = ['Total due: 482.60 euros. Please quote the invoice number with your payment.']

const fieldLeft = [
  'We counted wading birds along the lower marsh every fortnight from November to March, always within two hours of high tide.',
  'The counts below are the largest flocks seen on a single visit in each winter.',
]

const fieldTable = [
  ['Species', '2023', '2024'],
  ['Curlew', '212', '248'],
  ['Redshank', '130', '96'],
  ['Golden plover', '860', '1,140'],
]

const fieldRight = [
  'Golden plover numbers rose sharply after the flooding of the east fields, which left shallow water for most of the winter.',
  'Redshank declined, perhaps because the saltmarsh edge was grazed harder by cattle than in earlier years.',
  'We will repeat the counts next winter and add a second observer on the western bank.',
]

const letterLines = [
  'Dear Ms Fischer,',
  'Thank you for your letter of the third of June about the noise from the building site.',
  'The contractor has agreed to start work no earlier than eight in the morning on weekdays.',
  'No work will take place on Sundays or on public holidays until the project ends in October.',
  'If the noise continues outside these hours, please call our office on the number below.',
  'Yours sincerely,',
  'Peter Lang, Planning Department',
]

function htmlPage(body: string): Uint8Array {
  return new TextEncoder().encode(
    `<!doctype html><html><head><meta charset="utf-8"><title>Document</title></head><body>${body}</body></html>`,
  )
}

/** The documents of the corpus. */
export const generatedCorpus: readonly CorpusDocument[] = [
  {
    name: 'council-report.pdf',
    kind: 'pdf',
    defect: 'table cells: line breaks inside PDF grid cells',
    table: true,
    async build() {
      const { document, regular, bold } = await pdfWithFonts()
      const page = document.addPage([595, 842])
      page.drawText('Public Works Progress', { x: 72, y: 770, size: 20, font: bold })
      let y = drawParagraphs(page, regular, councilIntro, 730)
      y = drawTable(page, regular, 72, y - 6, projectRows, { widths: [150, 100, 200], header: bold })
      page.drawText('Budget', { x: 72, y: y - 36, size: 15, font: bold })
      y = drawParagraphs(page, regular, budgetIntro, y - 62)
      drawTable(page, regular, 72, y - 6, budgetRows, { widths: [170, 70, 70, 70], header: bold })
      return document.save({ useObjectStreams: false })
    },
    reference: `# Public Works Progress

${councilIntro.join('\n\n')}

${projectTableMarkdown}

## Budget

${budgetIntro.join('\n\n')}

${budgetTableMarkdown}`,
  },
  {
    name: 'unruled-schedule.pdf',
    kind: 'pdf',
    defect: 'table cells: a table without rules whose cells wrap',
    table: true,
    async build() {
      const { document, regular, bold } = await pdfWithFonts()
      const page = document.addPage([595, 842])
      page.drawText('Training Schedule', { x: 72, y: 770, size: 18, font: bold })
      const y = drawParagraphs(
        page,
        regular,
        ['New staff attend the following sessions in their first two weeks.'],
        735,
      )
      drawTable(
        page,
        regular,
        72,
        y - 6,
        [
          ['Day', 'Session', 'Room'],
          ['Monday', 'Welcome and a tour of the building with the facilities manager', 'Hall A'],
          ['Wednesday', 'Safety training, including the fire drill and first aid basics', 'Room 12'],
          ['Friday', 'Meeting with the team and a review of the first week', 'Room 4'],
        ],
        { widths: [90, 260, 80], header: bold, ruled: false },
      )
      return document.save({ useObjectStreams: false })
    },
    reference: `# Training Schedule

New staff attend the following sessions in their first two weeks.

| Day | Session | Room |
| --- | --- | --- |
| Monday | Welcome and a tour of the building with the facilities manager | Hall A |
| Wednesday | Safety training, including the fire drill and first aid basics | Room 12 |
| Friday | Meeting with the team and a review of the first week | Room 4 |`,
  },
  {
    name: 'japanese-notice.pdf',
    kind: 'pdf',
    defect: 'CJK: predefined CMap (90ms-RKSJ-H), font not embedded',
    table: false,
    build: () =>
      makeCjkPdf(['お知らせ', '来週の月曜日に図書館は休館します。', '返却は入口のポストをご利用ください。']),
    reference: 'お知らせ\n\n来週の月曜日に図書館は休館します。返却は入口のポストをご利用ください。',
  },
  {
    name: 'japanese-title.pdf',
    kind: 'pdf',
    defect: 'short text layer: a CJK title must not be replaced by OCR',
    table: false,
    build: () => makeCjkPdf(['年次報告書 二〇二五']),
    reference: '# 年次報告書 二〇二五',
  },
  {
    name: 'cover-and-scan.pdf',
    kind: 'pdf',
    defect: 'short text layer: a title over a picture is kept; a stamp over a scan gives way to OCR',
    table: false,
    build: () => makeShortTextPdf(makeScanPng(scanLines, { heading: 'Museum reopening' })),
    reference: `# Annual Report\n\n${scanReference}`,
  },
  {
    name: 'application-form.pdf',
    kind: 'pdf',
    defect: 'empty results: a form-only page',
    table: false,
    build: () => makeFormPdf(),
    reference: 'Full name: Jane Doe\n\ncity: Lisbon\n\nsubscribed: Yes\n\nplan: Premium',
  },
  {
    name: 'project-tables.docx',
    kind: 'docx',
    defect: 'table cells: paragraphs, lists and a nested table inside DOCX cells',
    table: true,
    build: () =>
      makeDocx({
        body: [
          paragraph('Project Status', { style: 'Heading1' }),
          paragraph(councilIntro[0] as string),
          table(projectRows.map((row) => row.map((cell) => cell.split('\n').map((part) => paragraph(part))))),
          paragraph('Contacts', { style: 'Heading2' }),
          table([
            [[paragraph('Team')], [paragraph('People')]],
            [
              [paragraph('Bridge')],
              [
                table([
                  ['Maria Lopez', 'engineer'],
                  ['Sam Okafor', 'inspector'],
                ]),
              ],
            ],
            [
              [paragraph('Library')],
              [paragraph('Tom Becker, architect'), paragraph('Ruth Klein, librarian')],
            ],
          ]),
        ].join(''),
      }),
    reference: `# Project Status

${councilIntro[0]}

${projectTableMarkdown}

## Contacts

| Team | People |
| --- | --- |
| Bridge | Maria Lopez \\| engineer<br>Sam Okafor \\| inspector |
| Library | Tom Becker, architect<br>Ruth Klein, librarian |`,
  },
  {
    name: 'physics-notes.docx',
    kind: 'docx',
    defect: 'DOCX: equations (OMML)',
    table: false,
    build: () =>
      makeDocx({
        body: [
          paragraph('Energy and Motion', { style: 'Heading1' }),
          paragraph([
            run('The kinetic energy of a body of mass m moving at speed v is '),
            equation(
              `${math.text('E=')}${math.fraction(math.text('1'), math.text('2'))}${math.text('m')}${math.superscript(math.text('v'), math.text('2'))}`,
            ),
            run(', so doubling the speed gives four times the energy.'),
          ]),
          paragraph('The mean of n measurements is written as'),
          equation(
            `${math.text('x̄=')}${math.fraction(math.text('1'), math.text('n'))}${math.sum(math.text('i=1'), math.text('n'), math.subscript(math.text('x'), math.text('i')))}`,
            true,
          ),
          paragraph([
            run('and its standard error is '),
            equation(`${math.text('s/')}${math.root(math.text('n'))}`),
            run('.'),
          ]),
        ].join(''),
      }),
    reference: `# Energy and Motion

The kinetic energy of a body of mass m moving at speed v is $E=\\frac{1}{2}m{v}^{2}$, so doubling the speed gives four times the energy.

The mean of n measurements is written as

$$x̄=\\frac{1}{n}\\sum_{i=1}^{n} {x}_{i}$$

and its standard error is $s/\\sqrt{n}$.`,
  },
  {
    name: 'sales-chart.docx',
    kind: 'docx',
    defect: 'DOCX: chart data',
    table: true,
    build: () =>
      makeDocx({
        body: [
          paragraph('Quarterly Sales', { style: 'Heading1' }),
          paragraph('Sales grew in both regions during the year, with the strongest quarter in the autumn.'),
          chartParagraph(1),
          paragraph('The northern region overtook the southern one in the second quarter.'),
        ].join(''),
        charts: [
          {
            title: 'Sales by region (thousand euros)',
            categories: ['Q1', 'Q2', 'Q3', 'Q4'],
            series: [
              { name: 'North', values: [120, 180, 210, 195] },
              { name: 'South', values: [150, 160, 175, 170] },
            ],
          },
        ],
      }),
    reference: `# Quarterly Sales

Sales grew in both regions during the year, with the strongest quarter in the autumn.

Sales by region (thousand euros)

|  | North | South |
| --- | --- | --- |
| Q1 | 120 | 150 |
| Q2 | 180 | 160 |
| Q3 | 210 | 175 |
| Q4 | 195 | 170 |

The northern region overtook the southern one in the second quarter.`,
  },
  {
    name: 'service-agreement.docx',
    kind: 'docx',
    defect: 'DOCX: multi-level numbering',
    table: false,
    build: () =>
      makeDocx({
        numbering: numbering([
          [{ format: '%1.' }, { format: '%1.%2' }, { format: '%1.%2.%3' }, { format: '%1.%2.%3.%4' }],
        ]),
        body: [
          paragraph('Service Agreement', { style: 'Title' }),
          paragraph('Definitions', { style: 'Heading1', numId: 1, level: 0 }),
          paragraph('In this agreement the following words have the meanings given below.', {
            numId: 1,
            level: 1,
          }),
          paragraph('Services', { style: 'Heading1', numId: 1, level: 0 }),
          paragraph('The supplier provides cleaning services at the sites listed in the schedule.', {
            numId: 1,
            level: 1,
          }),
          paragraph('The supplier provides the staff, tools and materials needed.', { numId: 1, level: 1 }),
          paragraph('Cleaning products must be free of chlorine.', { numId: 1, level: 2 }),
          paragraph('Products are approved by the customer in writing.', { numId: 1, level: 3 }),
          paragraph('Payment', { style: 'Heading1', numId: 1, level: 0 }),
          paragraph('Invoices are paid within thirty days of receipt.', { numId: 1, level: 1 }),
        ].join(''),
      }),
    reference: `# Service Agreement

# 1. Definitions

1.1 In this agreement the following words have the meanings given below.

# 2. Services

2.1 The supplier provides cleaning services at the sites listed in the schedule.

2.2 The supplier provides the staff, tools and materials needed.

2.2.1 Cleaning products must be free of chlorine.

2.2.1.1 Products are approved by the customer in writing.

# 3. Payment

3.1 Invoices are paid within thirty days of receipt.`,
  },
  {
    name: 'opening-hours.html',
    kind: 'html',
    defect: 'table cells: <br>, paragraphs and a nested table inside HTML cells',
    table: true,
    async build() {
      return htmlPage(`<h1>Opening Hours</h1>
<p>All branches close on public holidays. Late opening applies during the exam period only.</p>
<table>
<tr><th>Branch</th><th>Hours</th><th>Contact</th></tr>
<tr><td>Central Library</td><td>Monday to Friday: 8:00 to 20:00<br>Saturday: 10:00 to 16:00</td><td><p>Front desk</p><p>Phone 555 0100</p></td></tr>
<tr><td>Harbour Branch</td><td><ul><li>Tuesday: 9:00 to 17:00</li><li>Thursday: 9:00 to 19:00</li></ul></td><td>Phone 555 0142</td></tr>
<tr><td>Mobile Library</td><td><table><tr><td>Monday</td><td>North Park</td></tr><tr><td>Wednesday</td><td>Old Town Square</td></tr></table></td><td>Driver on duty</td></tr>
</table>
<h2>Borrowing</h2>
<p>Members may borrow up to <strong>twelve items</strong> at a time for three weeks.</p>`)
    },
    reference: `# Opening Hours

All branches close on public holidays. Late opening applies during the exam period only.

| Branch | Hours | Contact |
| --- | --- | --- |
| Central Library | Monday to Friday: 8:00 to 20:00<br>Saturday: 10:00 to 16:00 | Front desk<br>Phone 555 0100 |
| Harbour Branch | - Tuesday: 9:00 to 17:00<br>- Thursday: 9:00 to 19:00 | Phone 555 0142 |
| Mobile Library | Monday \\| North Park<br>Wednesday \\| Old Town Square | Driver on duty |

## Borrowing

Members may borrow up to **twelve items** at a time for three weeks.`,
  },
  {
    name: 'product-comparison.html',
    kind: 'html',
    defect: 'table cells: block elements inside cells of a wide table',
    table: true,
    async build() {
      return htmlPage(`<article><h1>Choosing a Kettle</h1>
<p>We tested three kettles for a month in a busy office kitchen.</p>
<table><thead><tr><th>Model</th><th>Pros</th><th>Cons</th></tr></thead><tbody>
<tr><td>Aqua 200</td><td><div>Boils fast</div><div>Quiet</div></td><td><div>Small capacity</div></td></tr>
<tr><td>Steel Classic</td><td><p>Sturdy</p><p>Easy to clean</p></td><td><p>Heavy</p><p>Handle gets warm</p></td></tr>
<tr><td>Glass Pro</td><td>Shows the water level<br>Has a keep-warm mode</td><td>Expensive</td></tr>
</tbody></table>
<p>Our pick is the <em>Steel Classic</em>, which survived every drop test.</p></article>`)
    },
    reference: `# Choosing a Kettle

We tested three kettles for a month in a busy office kitchen.

| Model | Pros | Cons |
| --- | --- | --- |
| Aqua 200 | Boils fast<br>Quiet | Small capacity |
| Steel Classic | Sturdy<br>Easy to clean | Heavy<br>Handle gets warm |
| Glass Pro | Shows the water level<br>Has a keep-warm mode | Expensive |

Our pick is the *Steel Classic*, which survived every drop test.`,
  },
  {
    name: 'invoice-two-pages.pdf',
    kind: 'pdf',
    defect: 'table cells: a line-item table running over two pages under a repeated header and footer',
    table: true,
    async build() {
      const { document, regular, bold } = await pdfWithFonts()
      const items = invoiceItems
      const pages = [items.slice(0, 14), items.slice(14)]
      for (const [index, part] of pages.entries()) {
        const page = document.addPage([595, 842])
        page.drawText('Northwind Office Supplies', { x: 72, y: 800, size: 9, font: regular })
        page.drawText(`Page ${index + 1} of 2`, { x: 270, y: 40, size: 9, font: regular })
        let y = 760
        if (index === 0) {
          page.drawText('Invoice 2025-0147', { x: 72, y, size: 18, font: bold })
          y = drawParagraphs(page, regular, invoiceIntro, y - 34)
        }
        y = drawTable(page, regular, 72, y - 6, [['Item', 'Quantity', 'Unit price', 'Amount'], ...part], {
          widths: [230, 70, 80, 80],
          header: bold,
        })
        if (index === 1) drawParagraphs(page, regular, invoiceClosing, y - 30)
      }
      return document.save({ useObjectStreams: false })
    },
    reference: `# Invoice 2025-0147

${invoiceIntro.join('\n\n')}

| Item | Quantity | Unit price | Amount |
| --- | --- | --- | --- |
${invoiceItems
  .slice(0, 14)
  .map((row) => `| ${row.join(' | ')} |`)
  .join('\n')}

| Item | Quantity | Unit price | Amount |
| --- | --- | --- | --- |
${invoiceItems
  .slice(14)
  .map((row) => `| ${row.join(' | ')} |`)
  .join('\n')}

${invoiceClosing.join('\n\n')}`,
  },
  {
    name: 'field-study.pdf',
    kind: 'pdf',
    defect: 'layout: two columns of running text with a table in one column',
    table: true,
    async build() {
      const { document, regular, bold } = await pdfWithFonts()
      const page = document.addPage([595, 842])
      page.drawText('Birds of the Lower Marsh', { x: 72, y: 780, size: 20, font: bold })
      page.drawText('A field study over two winters', { x: 72, y: 755, size: 12, font: regular })
      let left = drawParagraphs(page, regular, fieldLeft, 715, { x: 56, width: 225, size: 10 })
      left = drawTable(page, regular, 56, left - 4, fieldTable, {
        widths: [120, 50, 50],
        size: 9,
        header: bold,
      })
      drawParagraphs(page, regular, fieldRight, 715, { x: 314, width: 225, size: 10 })
      return document.save({ useObjectStreams: false })
    },
    reference: `# Birds of the Lower Marsh

A field study over two winters

${fieldLeft.join('\n\n')}

| Species | 2023 | 2024 |
| --- | --- | --- |
${fieldTable
  .slice(1)
  .map((row) => `| ${row.join(' | ')} |`)
  .join('\n')}

${fieldRight.join('\n\n')}`,
  },
  {
    name: 'meeting-minutes.docx',
    kind: 'docx',
    defect: 'table cells: bullet lists and several paragraphs inside DOCX cells, bold runs',
    table: true,
    build: () =>
      makeDocx({
        numbering: numbering([[{ format: '•', kind: 'bullet' }]]),
        body: [
          paragraph('Minutes of the Board Meeting', { style: 'Title' }),
          paragraph([run('Date: ', { bold: true }), run('12 March 2025')]),
          paragraph([run('Present: ', { bold: true }), run('Ana Silva, Ben Carter, Chen Wei, Dana Moss')]),
          paragraph('Decisions', { style: 'Heading1' }),
          table([
            [[paragraph('Topic')], [paragraph('Decision')], [paragraph('Owner')]],
            [
              [paragraph('Budget')],
              [
                paragraph('The budget for 2025 is approved.'),
                paragraph('Travel costs are capped at last year’s level.'),
              ],
              [paragraph('Ben Carter')],
            ],
            [
              [paragraph('Hiring')],
              [
                paragraph('Two posts are opened:'),
                paragraph('a data analyst', { numId: 1 }),
                paragraph('a project manager', { numId: 1 }),
              ],
              [paragraph('Dana Moss')],
            ],
            [
              [paragraph('Office move')],
              [paragraph('Postponed until the lease is signed.')],
              [paragraph('Chen Wei')],
            ],
          ]),
          paragraph('Next meeting', { style: 'Heading1' }),
          paragraph('The board meets again on 9 April 2025 at the head office.'),
        ].join(''),
      }),
    reference: `# Minutes of the Board Meeting

**Date:** 12 March 2025

**Present:** Ana Silva, Ben Carter, Chen Wei, Dana Moss

# Decisions

| Topic | Decision | Owner |
| --- | --- | --- |
| Budget | The budget for 2025 is approved.<br>Travel costs are capped at last year’s level. | Ben Carter |
| Hiring | Two posts are opened:<br>- a data analyst<br>- a project manager | Dana Moss |
| Office move | Postponed until the lease is signed. | Chen Wei |

# Next meeting

The board meets again on 9 April 2025 at the head office.`,
  },
  {
    name: 'city-profile.html',
    kind: 'html',
    defect: 'table cells: an infobox whose cells hold <br>, lists and spans, beside running text',
    table: true,
    async build() {
      return htmlPage(`<header><nav><a href="/">Home</a> <a href="/cities">Cities</a></nav></header>
<main><h1>Porto Velho</h1>
<table class="infobox"><caption>Porto Velho</caption>
<tr><th>Country</th><td>Brazil</td></tr>
<tr><th>Founded</th><td>2 October 1914</td></tr>
<tr><th>Population</th><td><span>539,354</span><br><small>(2022 census)</small></td></tr>
<tr><th>Districts</th><td><ul><li>Centro</li><li>Nacional</li><li>Caiari</li></ul></td></tr>
<tr><th>Coordinates</th><td><div>8°45′S</div><div>63°54′W</div></td></tr>
</table>
<p>Porto Velho is the capital of the state of Rondônia, on the eastern bank of the Madeira River.</p>
<h2>History</h2>
<p>The city grew around the railway built between 1907 and 1912 to carry rubber past the rapids of the river.</p>
<blockquote><p>The railway cost a life for every sleeper laid.</p></blockquote>
<figure><img src="station.jpg" alt="The old station"><figcaption>The old railway station in 1920.</figcaption></figure>
</main><footer><p>Text is available under a free licence.</p></footer>`)
    },
    reference: `[Home](/) [Cities](/cities)

# Porto Velho

__Porto Velho__

| Country | Brazil |
| --- | --- |
| Founded | 2 October 1914 |
| Population | 539,354<br>(2022 census) |
| Districts | - Centro<br>- Nacional<br>- Caiari |
| Coordinates | 8°45′S<br>63°54′W |

Porto Velho is the capital of the state of Rondônia, on the eastern bank of the Madeira River.

## History

The city grew around the railway built between 1907 and 1912 to carry rubber past the rapids of the river.

> The railway cost a life for every sleeper laid.

<!-- image -->

The old railway station in 1920.

Text is available under a free licence.`,
  },
  ...([90, 270] as const).map(
    (rotation): CorpusDocument => ({
      name: `scan-letter-turned-${rotation}.pdf`,
      kind: 'scan',
      defect: `rotated scans: a letter in smaller type turned ${rotation}°`,
      table: false,
      build: () => makeScanPdf([makeScanPng(letterLines, { rotation, fontSize: 22 })]),
      reference: letterLines.join(' '),
    }),
  ),
  ...([90, 180, 270] as const).map(
    (rotation): CorpusDocument => ({
      name: `scan-turned-${rotation}.pdf`,
      kind: 'scan',
      defect: `rotated scans: a page turned ${rotation}°`,
      table: false,
      build: () => makeScanPdf([makeScanPng(scanLines, { rotation, heading: 'Museum reopening' })]),
      reference: scanReference,
    }),
  ),
  {
    name: 'scan-upright.pdf',
    kind: 'scan',
    defect: 'OCR: an upright scan (orientation detection must not hurt it)',
    table: false,
    build: () => makeScanPdf([makeScanPng(scanLines, { heading: 'Museum reopening' })]),
    reference: scanReference,
  },
]
