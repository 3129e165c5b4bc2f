import { engineFailure } from '../shared/engine-failure.js'
import { prepareDocx, restoreDocxTokens } from './docx-prepare.js'
import { htmlToMarkdown } from './html-to-markdown.js'

/** What converting a DOCX did. */
export interface DocxConversion {
  markdown: string
  /** mammoth's warnings (unknown styles and the like). */
  warnings: number
  /** Equations written as LaTeX. */
  equations: number
  /** Charts written as tables of their data. */
  charts: number
  /** Paragraphs whose list or heading number (`2.3.8.1`) was kept as Word shows it. */
  numberLabels: number
}

/**
 * Writes mammoth's footnotes and endnotes as markdown footnotes: its links to them (`[\[1\]](#footnote-1)`) become
 * `[^1]`, and each note of the list it ends with (`1. Text [↑](#footnote-ref-1)`) becomes `[^1]: Text`, so that no
 * `footnote` or `ref` anchor words are left in the text.
 */
function footnotes(markdown: string): string {
  if (!/\(#(?:footnote|endnote)-/.test(markdown)) return markdown
  return markdown
    .replace(/\[\\\[(\d+)\\\]\]\(#(footnote|endnote)-\d+\)/g, (_, number: string, kind: string) =>
      kind === 'endnote' ? `[^e${number}]` : `[^${number}]`,
    )
    .replace(
      /^(\d+)\. (.*?) ?\[↑\]\(#(footnote|endnote)-ref-\d+\)[ \t]*$/gm,
      (_, number: string, text: string, kind: string) =>
        `${kind === 'endnote' ? `[^e${number}]` : `[^${number}]`}: ${text}`,
    )
}

/**
 * Converts a DOCX with mammoth (to semantic HTML: headings, lists, tables), then to markdown. Equations become
 * LaTeX between `$` signs, charts a table of their data, multi-level list numbers (`2.3.8.1`) and heading numbers
 * stay in the text (see docx-prepare.ts). Images become an `<!-- image -->` placeholder, never inlined.
 */
export async function docxToMarkdown(data: Buffer): Promise<DocxConversion> {
  const { default: mammoth } = await import('mammoth')
  const prepared = await prepareDocx(data)
  let html: string
  let warnings = 0
  try {
    const result = await mammoth.convertToHtml(
      { buffer: prepared.data },
      {
        convertImage: mammoth.images.imgElement(async () => ({ src: '' })),
        // Word's Title style is the document title; mammoth leaves it a plain paragraph.
        styleMap: ["p[style-name='Title'] => h1:fresh"],
      },
    )
    html = result.value
    warnings = result.messages.filter((message) => message.type === 'warning').length
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw engineFailure('InvalidDocument', `The DOCX could not be read: ${detail}`, error)
  }
  const markdown = footnotes(restoreDocxTokens(await htmlToMarkdown(html), prepared.tokens))
  return {
    markdown,
    warnings,
    equations: prepared.equations,
    charts: prepared.charts,
    numberLabels: prepared.numberLabels,
  }
}
