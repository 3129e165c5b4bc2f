/**
 * A small DOCX writer for the engine's tests and the benchmark corpus: WordprocessingML put together by hand and
 * zipped with jszip, so that every feature a test needs (cells holding several paragraphs, nested tables,
 * multi-level numbering, equations, charts) is in the file exactly as Word writes it.
 */
import JSZip from 'jszip'

const namespaces =
  'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' +
  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ' +
  'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" ' +
  'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" ' +
  'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" ' +
  'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"'

/** Escapes text for XML. */
export function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** A run of text. */
export function run(text: string, options: { bold?: boolean } = {}): string {
  const properties = options.bold ? '<w:rPr><w:b/></w:rPr>' : ''
  return `<w:r>${properties}<w:t xml:space="preserve">${xmlText(text)}</w:t></w:r>`
}

/** A paragraph of runs (a string is one run), with a style and list numbering when given. */
export function paragraph(
  content: string | string[],
  options: { style?: string; numId?: number; level?: number } = {},
): string {
  const runs = typeof content === 'string' ? run(content) : content.join('')
  const numbering =
    options.numId === undefined
      ? ''
      : `<w:numPr><w:ilvl w:val="${options.level ?? 0}"/><w:numId w:val="${options.numId}"/></w:numPr>`
  const style = options.style ? `<w:pStyle w:val="${options.style}"/>` : ''
  const properties = style || numbering ? `<w:pPr>${style}${numbering}</w:pPr>` : ''
  return `<w:p>${properties}${runs}</w:p>`
}

/** A table; each cell is the XML of its block content (paragraphs, tables), or a plain string for one paragraph. */
export function table(rows: Array<Array<string | string[]>>): string {
  const body = rows
    .map(
      (cells) =>
        `<w:tr>${cells
          .map((cell) => {
            const content = typeof cell === 'string' ? paragraph(cell) : cell.join('')
            return `<w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/></w:tcPr>${content}</w:tc>`
          })
          .join('')}</w:tr>`,
    )
    .join('')
  const columns = Math.max(...rows.map((cells) => cells.length))
  const grid = `<w:tblGrid>${'<w:gridCol w:w="2000"/>'.repeat(columns)}</w:tblGrid>`
  return `<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr>${grid}${body}</w:tbl>`
}

/** A list level of a numbering definition: `format` is Word's `lvlText`, e.g. `%1.%2.%3.`. */
export interface NumberingLevel {
  format: string
  kind?: 'decimal' | 'bullet' | 'lowerLetter' | 'upperLetter' | 'lowerRoman' | 'upperRoman'
  start?: number
}

/** The `word/numbering.xml` of numbering definitions; the n-th definition (from 1) gets numId n. */
export function numbering(definitions: NumberingLevel[][]): string {
  const abstracts = definitions
    .map(
      (levels, index) =>
        `<w:abstractNum w:abstractNumId="${index}">${levels
          .map(
            (level, ilvl) =>
              `<w:lvl w:ilvl="${ilvl}"><w:start w:val="${level.start ?? 1}"/><w:numFmt w:val="${level.kind ?? 'decimal'}"/><w:lvlText w:val="${xmlText(level.format)}"/></w:lvl>`,
          )
          .join('')}</w:abstractNum>`,
    )
    .join('')
  const nums = definitions
    .map((_, index) => `<w:num w:numId="${index + 1}"><w:abstractNumId w:val="${index}"/></w:num>`)
    .join('')
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering ${namespaces}>${abstracts}${nums}</w:numbering>`
}

/** An equation as Word stores it (OMML); `display` puts it on a line of its own. */
export function equation(omml: string, display = false): string {
  const math = `<m:oMath>${omml}</m:oMath>`
  return display ? `<w:p><m:oMathPara>${math}</m:oMathPara></w:p>` : math
}

/** OMML building blocks. */
export const math = {
  text: (text: string): string => `<m:r><m:t>${xmlText(text)}</m:t></m:r>`,
  fraction: (numerator: string, denominator: string): string =>
    `<m:f><m:num>${numerator}</m:num><m:den>${denominator}</m:den></m:f>`,
  superscript: (base: string, power: string): string =>
    `<m:sSup><m:e>${base}</m:e><m:sup>${power}</m:sup></m:sSup>`,
  subscript: (base: string, index: string): string =>
    `<m:sSub><m:e>${base}</m:e><m:sub>${index}</m:sub></m:sSub>`,
  root: (body: string): string =>
    `<m:rad><m:radPr><m:degHide m:val="1"/></m:radPr><m:deg/><m:e>${body}</m:e></m:rad>`,
  sum: (from: string, to: string, body: string): string =>
    `<m:nary><m:naryPr><m:chr m:val="∑"/></m:naryPr><m:sub>${from}</m:sub><m:sup>${to}</m:sup><m:e>${body}</m:e></m:nary>`,
  parentheses: (body: string): string => `<m:d><m:e>${body}</m:e></m:d>`,
}

/** A chart: categories along one axis, one series of values per entry of `series`. */
export interface ChartData {
  title?: string
  categories: string[]
  series: Array<{ name: string; values: number[] }>
}

function chartXml(chart: ChartData): string {
  const title = chart.title
    ? `<c:title><c:tx><c:rich><a:p><a:r><a:t>${xmlText(chart.title)}</a:t></a:r></a:p></c:rich></c:tx></c:title>`
    : ''
  const points = (values: Array<string | number>) =>
    `<c:ptCount val="${values.length}"/>${values.map((value, index) => `<c:pt idx="${index}"><c:v>${xmlText(String(value))}</c:v></c:pt>`).join('')}`
  const series = chart.series
    .map(
      (entry, index) =>
        `<c:ser><c:idx val="${index}"/><c:order val="${index}"/><c:tx><c:strRef><c:f>Sheet1!$${String.fromCharCode(66 + index)}$1</c:f><c:strCache><c:ptCount val="1"/><c:pt idx="0"><c:v>${xmlText(entry.name)}</c:v></c:pt></c:strCache></c:strRef></c:tx>` +
        `<c:cat><c:strRef><c:f>Sheet1!$A$2:$A$${chart.categories.length + 1}</c:f><c:strCache>${points(chart.categories)}</c:strCache></c:strRef></c:cat>` +
        `<c:val><c:numRef><c:f>Sheet1!$B$2</c:f><c:numCache><c:formatCode>General</c:formatCode>${points(entry.values)}</c:numCache></c:numRef></c:val></c:ser>`,
    )
    .join('')
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><c:chartSpace ${namespaces}><c:chart>${title}<c:plotArea><c:barChart><c:barDir val="col"/><c:grouping val="clustered"/>${series}</c:barChart></c:plotArea></c:chart></c:chartSpace>`
}

/** A paragraph holding chart number `index` (from 1) of {@link DocxContent.charts}, inline as Word anchors it. */
export function chartParagraph(index: number): string {
  return (
    `<w:p><w:r><w:drawing><wp:inline><wp:extent cx="5486400" cy="3200400"/><wp:docPr id="${index}" name="Chart ${index}"/>` +
    `<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:chart r:id="rIdChart${index}"/></a:graphicData></a:graphic>` +
    '</wp:inline></w:drawing></w:r></w:p>'
  )
}

/** What goes into a DOCX. */
export interface DocxContent {
  /** The XML of the body's blocks. */
  body: string
  /** `word/numbering.xml`, from {@link numbering}. */
  numbering?: string
  charts?: ChartData[]
  /** Footnote texts; the n-th (from 1) is referenced by {@link footnoteReference}(n). */
  footnotes?: string[]
}

/** A run referring to footnote `id` (from 1) of {@link DocxContent.footnotes}. */
export function footnoteReference(id: number): string {
  return `<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteReference w:id="${id}"/></w:r>`
}

const headingStyles = [1, 2, 3]
  .map(
    (level) =>
      `<w:style w:type="paragraph" w:styleId="Heading${level}"><w:name w:val="heading ${level}"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="${level - 1}"/></w:pPr></w:style>`,
  )
  .join('')

/** Zips the parts of a DOCX; the bytes are the same for the same content. */
export async function makeDocx(content: DocxContent): Promise<Uint8Array> {
  const zip = new JSZip()
  const date = new Date('2024-01-01T00:00:00Z')
  const charts = content.charts ?? []
  const overrides = [
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>',
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>',
    content.numbering
      ? '<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>'
      : '',
    content.footnotes
      ? '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>'
      : '',
    ...charts.map(
      (_, index) =>
        `<Override PartName="/word/charts/chart${index + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.drawingml.chart+xml"/>`,
    ),
  ].join('')
  const files: Record<string, string> = {
    '[Content_Types].xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>${overrides}</Types>`,
    '_rels/.rels':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    'word/_rels/document.xml.rels': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>${
      content.numbering
        ? '<Relationship Id="rIdNumbering" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>'
        : ''
    }${
      content.footnotes
        ? '<Relationship Id="rIdFootnotes" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/>'
        : ''
    }${charts
      .map(
        (_, index) =>
          `<Relationship Id="rIdChart${index + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart" Target="charts/chart${index + 1}.xml"/>`,
      )
      .join('')}</Relationships>`,
    'word/styles.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles ${namespaces}><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>${headingStyles}</w:styles>`,
    'word/document.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ${namespaces}><w:body>${content.body}<w:sectPr/></w:body></w:document>`,
  }
  if (content.numbering) files['word/numbering.xml'] = content.numbering
  if (content.footnotes) {
    const notes = content.footnotes
      .map((text, index) => `<w:footnote w:id="${index + 1}">${paragraph(text)}</w:footnote>`)
      .join('')
    files['word/footnotes.xml'] =
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes ${namespaces}>${notes}</w:footnotes>`
  }
  charts.forEach((chart, index) => {
    files[`word/charts/chart${index + 1}.xml`] = chartXml(chart)
  })
  for (const [name, text] of Object.entries(files)) zip.file(name, text, { date })
  return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' })
}
