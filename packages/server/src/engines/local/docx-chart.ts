/**
 * A chart in a DOCX is a drawing whose data lives in its own part (`word/charts/chartN.xml`, DrawingML), which
 * mammoth skips. The chart's cached values are the numbers a reader would want: they become a markdown table,
 * one row per category and one column per series, under the chart's title.
 */
import type { XmlElement } from './omml-to-latex.js'

const chartNamespace = 'http://schemas.openxmlformats.org/drawingml/2006/chart'

interface XmlDocumentLike {
  getElementsByTagNameNS(namespace: string, name: string): ArrayLike<XmlElement>
}

function descendants(node: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = []
  const visit = (current: XmlElement): void => {
    for (const child of Array.from(current.childNodes)) {
      if (child.nodeType !== 1) continue
      if (child.localName === name) found.push(child)
      visit(child)
    }
  }
  visit(node)
  return found
}

function first(node: XmlElement, name: string): XmlElement | undefined {
  return descendants(node, name)[0]
}

/** The cached points of a `c:cat`, `c:val` or `c:tx`: values by index. */
function points(node: XmlElement | undefined): string[] {
  if (!node) return []
  const values: string[] = []
  for (const point of descendants(node, 'pt')) {
    const index = Number(point.getAttribute('idx'))
    const value = first(point, 'v')?.textContent ?? ''
    if (Number.isInteger(index) && index >= 0 && index < 10_000) values[index] = value.trim()
  }
  const single = first(node, 'v')
  if (values.length === 0 && single) values.push((single.textContent ?? '').trim())
  return Array.from(values, (value) => value ?? '')
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim()
}

/** The markdown of a chart part: its title as a paragraph, then its data as a table; empty when it has no data. */
export function chartToMarkdown(chart: XmlDocumentLike): string {
  const root = chart.getElementsByTagNameNS(chartNamespace, 'chart')[0]
  if (!root) return ''
  const titleNode = first(root, 'title')
  const title = titleNode
    ? descendants(titleNode, 't')
        .map((text) => text.textContent ?? '')
        .join('')
        .trim()
    : ''
  const series = descendants(root, 'ser').map((entry, index) => {
    const name = points(Array.from(entry.childNodes).find((node) => node.localName === 'tx'))[0]
    const categories = points(first(entry, 'cat') ?? first(entry, 'xVal'))
    const values = points(first(entry, 'val') ?? first(entry, 'yVal'))
    return { name: name || `Series ${index + 1}`, categories, values }
  })
  if (series.length === 0) return title
  const categories = series.find((entry) => entry.categories.length > 0)?.categories ?? []
  const rowCount = Math.max(categories.length, ...series.map((entry) => entry.values.length))
  if (rowCount === 0) return title
  const rows = [
    `| ${['', ...series.map((entry) => entry.name)].map(cell).join(' | ')} |`,
    `| ${['-', ...series.map(() => '-')].join(' | ')} |`,
  ]
  for (let row = 0; row < rowCount; row++) {
    const label = categories[row] ?? String(row + 1)
    rows.push(`| ${[label, ...series.map((entry) => entry.values[row] ?? '')].map(cell).join(' | ')} |`)
  }
  return [title, rows.join('\n')].filter((part) => part.length > 0).join('\n\n')
}
