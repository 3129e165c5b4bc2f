import type { NodeHtmlMarkdown } from 'node-html-markdown'
import { cellContentTranslators, cellTranslator } from './table-cells.js'
import { expandTableSpans } from './table-spans.js'

let converter: NodeHtmlMarkdown | undefined

/**
 * Converts HTML to markdown with node-html-markdown. Scripts, styles and form controls carry no document text and
 * are left out (a form's labels and the page it may wrap are kept); link titles are dropped (the link text says
 * it); an image becomes an `<!-- image -->` placeholder, never its bytes as a data URI. Merged table cells are
 * repeated in every row and column they span, so that the markdown grid stays aligned; line breaks and paragraphs
 * inside a cell become `<br>`, a nested table one line per row (see table-cells.ts).
 */
export async function htmlToMarkdown(html: string): Promise<string> {
  // Loaded on first use: servers that never convert HTML or DOCX do not pay for it.
  const { NodeHtmlMarkdown } = await import('node-html-markdown')
  if (!converter) {
    const image = { content: '<!-- image -->', recurse: false, noEscape: true }
    converter = new NodeHtmlMarkdown(
      {
        bulletMarker: '-',
        keepDataImages: false,
        ignore: [
          'script',
          'style',
          'noscript',
          'template',
          'svg',
          'canvas',
          'iframe',
          'object',
          // A form's controls are not document text; the form itself may wrap a whole page (ASP.NET does).
          'button',
          'select',
          'textarea',
          'input',
        ],
        maxConsecutiveNewlines: 2,
      },
      { img: { ...image, surroundingNewlines: 2 }, picture: { ...image, surroundingNewlines: 2 } },
    )
    // Images inside links and table cells go through their own translators.
    for (const translators of [converter.aTagTranslators, converter.tableCellTranslators]) {
      translators.set('img', image)
      translators.set('picture', image)
    }
    // Breaks, paragraphs, lists and nested tables inside a cell: `<br>` between them, never glued words.
    for (const [tags, translator] of Object.entries(cellContentTranslators)) {
      converter.tableCellTranslators.set(tags, translator)
    }
    converter.tableTranslators.set('th,td', cellTranslator)
    converter.tableRowTranslators.set('th,td', cellTranslator)
  }
  return (
    converter
      .translate(expandTableSpans(html))
      .replace(/\]\((\S+) "(?:[^"\\]|\\.)*"\)/g, ']($1)')
      // A link around nothing but an image says nothing the placeholder does not.
      .replace(/\[\s*<!-- image -->\s*\]\([^)\s]*\)/g, '<!-- image -->')
      // node-html-markdown escapes underscores in link targets as %5F: valid, but not the address the page had.
      .replace(/\]\([^)\s]*%5F[^)\s]*\)/g, (link) => link.replace(/%5F/g, '_'))
      .trim()
  )
}
