/**
 * What mammoth cannot read in a DOCX is put where it can: before conversion, each equation (OMML), chart and
 * multi-level list number in `word/document.xml` is replaced by a plain-text token or label, and after conversion
 * {@link restoreDocxTokens} swaps the tokens for their markdown (`$…$`, `$$…$$`, a table). Tokens are letters and
 * digits only, so no converter escapes or splits them.
 */
import { DOMParser, XMLSerializer } from '@xmldom/xmldom'
import JSZip from 'jszip'
import { chartToMarkdown } from './docx-chart.js'
import { DocxNumbering, DocxStyles, paragraphNumbering } from './docx-numbering.js'
import { ommlToLatex, type XmlElement } from './omml-to-latex.js'

const wordNamespace = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
const mathNamespace = 'http://schemas.openxmlformats.org/officeDocument/2006/math'
const chartNamespace = 'http://schemas.openxmlformats.org/drawingml/2006/chart'
const relationshipNamespace = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'

/** A DOCX ready for mammoth, and the markdown its tokens stand for. */
export interface PreparedDocx {
  data: Buffer
  /**
   * Token → markdown; a block (display equation, chart) replaces the whole paragraph holding its token; a label
   * (a list or heading number) replaces the list marker in front of it.
   */
  tokens: Map<string, { markdown: string; block: boolean; label?: boolean }>
  equations: number
  charts: number
  /** Paragraphs whose list or heading number was kept. */
  numberLabels: number
}

/** DOM nodes as xmldom builds them, with what the rewriting needs. */
interface DomNode extends XmlElement {
  childNodes: ArrayLike<DomNode>
  parentNode: DomNode | null
  ownerDocument: DomDocument
  replaceChild(next: DomNode, previous: DomNode): void
  removeChild(node: DomNode): void
  insertBefore(node: DomNode, before: DomNode | null): void
  firstChild: DomNode | null
}

interface DomDocument {
  createElementNS(namespace: string, name: string): DomNode
  createTextNode(text: string): DomNode
  getElementsByTagNameNS(namespace: string, name: string): ArrayLike<DomNode>
}

function parse(xml: string): DomDocument {
  // Malformed parts are mammoth's to report; xmldom's own messages would only go to the console.
  const parser = new DOMParser({ errorHandler: { warning: () => {}, error: () => {}, fatalError: () => {} } })
  return parser.parseFromString(xml, 'text/xml') as unknown as DomDocument
}

function textRun(document: DomDocument, text: string): DomNode {
  const runNode = document.createElementNS(wordNamespace, 'w:r')
  const textNode = document.createElementNS(wordNamespace, 'w:t')
  ;(textNode as unknown as { setAttribute(name: string, value: string): void }).setAttribute(
    'xml:space',
    'preserve',
  )
  textNode.insertBefore(document.createTextNode(text), null)
  runNode.insertBefore(textNode, null)
  return runNode
}

/** The ancestor of `node` that sits directly in a paragraph (`w:p`), so that replacing it keeps the XML valid. */
function paragraphChild(node: DomNode): DomNode | undefined {
  let current: DomNode | null = node
  while (current?.parentNode) {
    if (current.parentNode.localName === 'p' && current.parentNode.namespaceURI === wordNamespace)
      return current
    current = current.parentNode
  }
  return undefined
}

async function readPart(zip: JSZip, path: string): Promise<DomDocument | undefined> {
  const file = zip.file(path)
  return file ? parse(await file.async('string')) : undefined
}

function relationshipTargets(relationships: DomDocument | undefined): Map<string, string> {
  const targets = new Map<string, string>()
  const list = relationships?.getElementsByTagNameNS(
    'http://schemas.openxmlformats.org/package/2006/relationships',
    'Relationship',
  )
  for (const relationship of Array.from(list ?? [])) {
    const id = relationship.getAttribute('Id')
    const target = relationship.getAttribute('Target')
    if (id && target) targets.set(id, target)
  }
  return targets
}

function partPath(target: string): string {
  if (target.startsWith('/')) return target.slice(1)
  const parts = `word/${target}`.split('/')
  const resolved: string[] = []
  for (const part of parts) {
    if (part === '..') resolved.pop()
    else if (part !== '.' && part !== '') resolved.push(part)
  }
  return resolved.join('/')
}

/**
 * Rewrites a DOCX for mammoth (see the file comment). A file that is not a readable zip with a main document is
 * returned as it is: mammoth then reports what is wrong with it.
 */
export async function prepareDocx(data: Buffer): Promise<PreparedDocx> {
  const unchanged: PreparedDocx = { data, tokens: new Map(), equations: 0, charts: 0, numberLabels: 0 }
  let zip: JSZip
  try {
    zip = await JSZip.loadAsync(data)
  } catch {
    return unchanged
  }
  const main = zip.file('word/document.xml')
  if (!main) return unchanged
  const xml = await main.async('string')
  const hasMath = xml.includes('oMath')
  const hasChart = xml.includes(chartNamespace)
  const hasNumbering = xml.includes('numPr') || zip.file('word/numbering.xml') !== null
  if (!hasMath && !hasChart && !hasNumbering) return unchanged
  const document = parse(xml)
  const prepared: PreparedDocx = { ...unchanged, tokens: new Map() }
  const token = (kind: string): string => `NMDTOKEN${kind}${prepared.tokens.size}X`

  if (hasMath) {
    for (const paragraph of Array.from(document.getElementsByTagNameNS(mathNamespace, 'oMathPara'))) {
      const latex = Array.from(paragraph.childNodes)
        .filter((node) => node.localName === 'oMath')
        .map((node) => ommlToLatex(node))
        .filter((text) => text.length > 0)
        .join(' \\\\ ')
      const name = token('MATH')
      prepared.tokens.set(name, { markdown: `$$${latex}$$`, block: true })
      prepared.equations++
      paragraph.parentNode?.replaceChild(textRun(document, name), paragraph)
    }
    for (const equation of Array.from(document.getElementsByTagNameNS(mathNamespace, 'oMath'))) {
      const latex = ommlToLatex(equation)
      const name = token('MATH')
      prepared.tokens.set(name, { markdown: latex ? `$${latex}$` : '', block: false })
      prepared.equations++
      equation.parentNode?.replaceChild(textRun(document, name), equation)
    }
  }

  if (hasChart) {
    const targets = relationshipTargets(await readPart(zip, 'word/_rels/document.xml.rels'))
    for (const chart of Array.from(document.getElementsByTagNameNS(chartNamespace, 'chart'))) {
      const id = chart.getAttributeNS(relationshipNamespace, 'id') ?? chart.getAttribute('r:id')
      const target = id ? targets.get(id) : undefined
      const part = target ? await readPart(zip, partPath(target)) : undefined
      const markdown = part ? chartToMarkdown(part) : ''
      const holder = paragraphChild(chart)
      if (!holder || markdown.length === 0) continue
      const name = token('CHART')
      prepared.tokens.set(name, { markdown, block: true })
      prepared.charts++
      holder.parentNode?.replaceChild(textRun(document, name), holder)
    }
  }

  if (hasNumbering) {
    const styles = new DocxStyles(await readPart(zip, 'word/styles.xml'))
    const numbering = new DocxNumbering(await readPart(zip, 'word/numbering.xml'))
    for (const paragraph of Array.from(document.getElementsByTagNameNS(wordNamespace, 'p'))) {
      const numbered = paragraphNumbering(paragraph, styles)
      const { reference, styleId } = numbered
      const direct = numbered.direct as DomNode | undefined
      if (!reference) continue
      const counted = numbering.next(reference)
      if (!counted) continue
      // Every number Word shows is kept as a token at the start of its paragraph; the list structure stays
      // mammoth's, and restoreDocxTokens puts the number in place of the converter's own (which restarts at 1).
      const heading = styles.isHeading(styleId)
      if (heading) {
        // mammoth would make a numbered heading a list item: the number goes into the heading's text instead.
        const properties = Array.from(paragraph.childNodes).find((node) => node.localName === 'pPr')
        const noNumbering = document.createElementNS(wordNamespace, 'w:numPr')
        const numId = document.createElementNS(wordNamespace, 'w:numId')
        ;(numId as unknown as { setAttribute(name: string, value: string): void }).setAttribute('w:val', '0')
        noNumbering.insertBefore(numId, null)
        if (direct) direct.parentNode?.replaceChild(noNumbering, direct)
        else properties?.insertBefore(noNumbering, null)
      }
      const name = token('LABEL')
      prepared.tokens.set(name, { markdown: counted.label, block: false, label: true })
      const label = textRun(document, `${name} `)
      const firstContent = Array.from(paragraph.childNodes).find(
        (node) => node.nodeType === 1 && node.localName !== 'pPr',
      )
      paragraph.insertBefore(label, firstContent ?? null)
      prepared.numberLabels++
    }
  }

  if (prepared.tokens.size === 0 && prepared.numberLabels === 0) return unchanged
  zip.file('word/document.xml', new XMLSerializer().serializeToString(document as never))
  prepared.data = await zip.generateAsync({ type: 'nodebuffer' })
  return prepared
}

const anyToken = /NMDTOKEN(?:MATH|CHART|LABEL)\d+X/g

/**
 * Puts the markdown of each token back: a block token standing alone on its line replaces the line; a number
 * replaces the list marker before it (`3.` stays an ordered item; `2.3.1` or `b)`, which are no markdown list
 * markers, follow a `-`), or starts its heading or paragraph.
 */
export function restoreDocxTokens(markdown: string, tokens: PreparedDocx['tokens']): string {
  if (tokens.size === 0) return markdown
  const labelled = markdown.replace(
    /^([ \t]*)((?:(?:[-*+]|\d+[.)])[ \t]+)*)(#{1,6}[ \t]+)?(NMDTOKENLABEL\d+X)[ \t]*/gm,
    (line: string, indent: string, markers: string, heading: string | undefined, name: string) => {
      const entry = tokens.get(name)
      if (!entry) return line
      const number = entry.markdown
      if (heading) return `${indent}${markers}${heading}${number} `
      // A list nested in an item with no text of its own gives `- 1. item`: only the last marker is the item's.
      const outer = markers.replace(/(?:[-*+]|\d+[.)])[ \t]+$/, '')
      if (markers === '') return `${indent}${number} `
      return /^\d{1,9}[.)]$/.test(number) ? `${indent}${outer}${number} ` : `${indent}${outer}- ${number} `
    },
  )
  return labelled.replace(/^.*NMDTOKEN(?:MATH|CHART|LABEL)\d+X.*$/gm, (line: string) =>
    line.replace(anyToken, (name: string) => {
      const entry = tokens.get(name)
      if (!entry) return name
      if (entry.label) return entry.markdown
      if (entry.block && line.trim() === name) return entry.markdown
      // A block inside running text or a table cell: keep it on the line.
      return entry.block ? entry.markdown.replace(/\n+/g, ' ') : entry.markdown
    }),
  )
}
