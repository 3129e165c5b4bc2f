/**
 * How node-html-markdown writes what sits inside a table cell. A GFM cell is one line: out of the box the
 * converter drops line breaks and block boundaries there, gluing words ("First LineSecond Line") and whole nested
 * tables ("A1B1C1"). These translators turn every break inside a cell into `<br>`, list items into `- item`
 * lines, and a table nested in a cell into one `<br>`-separated line per row, its cells set apart by ` | `.
 */
import type { TranslatorConfigFactory, TranslatorConfigObject } from 'node-html-markdown'

/** The nodes of node-html-parser that the translators look at. */
interface HtmlNode {
  nodeType: number
  rawTagName?: string
  text: string
  childNodes: HtmlNode[]
  parentNode?: HtmlNode | null
}

const elementNode = 1
const textNode = 3
const breakMark = '<br>'

/** Block elements: each one starts and ends a line of its cell. */
const blockTags = new Set([
  'P',
  'DIV',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'BLOCKQUOTE',
  'PRE',
  'SECTION',
  'ARTICLE',
  'ASIDE',
  'HEADER',
  'FOOTER',
  'ADDRESS',
  'FIGURE',
  'FIGCAPTION',
  'DL',
  'DT',
  'DD',
  'UL',
  'OL',
  'LI',
  'TR',
  'CAPTION',
])

function tagOf(node: HtmlNode): string {
  return (node.rawTagName ?? '').toUpperCase()
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** The text of a node with a space at every block or cell boundary, so that no two words are glued. */
function spacedText(node: HtmlNode): string {
  if (node.nodeType === textNode) return node.text
  if (node.nodeType !== elementNode) return ''
  const tag = tagOf(node)
  if (tag === 'BR') return ' '
  if (tag === 'SCRIPT' || tag === 'STYLE' || tag === 'TEMPLATE') return ''
  const inner = node.childNodes.map(spacedText).join('')
  return blockTags.has(tag) || tag === 'TD' || tag === 'TH' ? ` ${inner} ` : inner
}

/** The rows of a table (its own, not those of tables nested deeper), each a list of its cells' texts. */
function tableRows(table: HtmlNode): string[][] {
  const rows: string[][] = []
  const visit = (node: HtmlNode): void => {
    for (const child of node.childNodes) {
      if (child.nodeType !== elementNode) continue
      const tag = tagOf(child)
      if (tag === 'TR') {
        const cells = child.childNodes
          .filter((cell) => cell.nodeType === elementNode && ['TD', 'TH'].includes(tagOf(cell)))
          .map((cell) => collapse(spacedText(cell)))
        if (cells.some((cell) => cell.length > 0)) rows.push(cells)
      } else if (tag === 'THEAD' || tag === 'TBODY' || tag === 'TFOOT') {
        visit(child)
      }
    }
  }
  visit(table)
  return rows
}

/** A table nested in a cell, one line per row: `A1 | B1 | C1<br>A2 | B2 | C2`. */
export function flattenNestedTable(table: HtmlNode): string {
  return tableRows(table)
    .map((cells) => cells.filter((cell) => cell.length > 0).join(' | '))
    .join(breakMark)
}

/** Escapes pipes, and reduces the breaks of a cell to single `<br>` between its lines. */
export function finishCell(content: string): string {
  return content
    .replace(/\r?\n+/g, ' ')
    .replace(/(?<!\\)\|/g, '\\|')
    .replace(/\s*(?:<br>\s*)+/g, breakMark)
    .replace(/^(?:<br>)+|(?:<br>)+$/g, '')
    .replace(/ {2,}/g, ' ')
    .trim()
}

function listMarker(item: HtmlNode): string {
  const list = item.parentNode
  if (!list || tagOf(list) !== 'OL') return '- '
  const items = list.childNodes.filter((node) => node.nodeType === elementNode && tagOf(node) === 'LI')
  return `${items.indexOf(item) + 1}. `
}

/** Translators for what a cell holds; added to the converter's `tableCellTranslators`. */
export const cellContentTranslators: TranslatorConfigObject = {
  br: { content: breakMark, recurse: false },
  hr: { content: breakMark, recurse: false },
  [[...blockTags]
    .filter((tag) => !['LI', 'TR', 'CAPTION'].includes(tag))
    .join(',')
    .toLowerCase()]: {
    prefix: breakMark,
    postfix: breakMark,
  },
  li: ({ node }) => ({
    prefix: `${breakMark}${listMarker(node as unknown as HtmlNode)}`,
    postfix: breakMark,
  }),
  table: ({ node }) => ({
    content: `${breakMark}${flattenNestedTable(node as unknown as HtmlNode).replace(/\|/g, '\\|')}${breakMark}`,
    recurse: false,
  }),
}

/**
 * The translator of `th` and `td` for the converter's `tableTranslators` and `tableRowTranslators`: the converter's
 * own, except that it keeps the `<br>` of {@link cellContentTranslators} and escapes every pipe, not only the first.
 */
export const cellTranslator: TranslatorConfigFactory = ({ visitor }) => ({
  surroundingNewlines: false,
  childTranslators: visitor.instance.tableCellTranslators,
  prefix: ' ',
  postfix: ' |',
  postprocess: ({ content }) => finishCell(content),
})
