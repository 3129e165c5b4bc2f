import { engineFailure } from './engine-failure.js'
import { htmlToMarkdown } from './html-to-markdown.js'

/**
 * Converts a DOCX with mammoth (to semantic HTML: headings, lists, tables), then to markdown. Images become an
 * `<!-- image -->` placeholder, never inlined.
 */
export async function docxToMarkdown(data: Buffer): Promise<{ markdown: string; warnings: number }> {
  const { default: mammoth } = await import('mammoth')
  let html: string
  let warnings = 0
  try {
    const result = await mammoth.convertToHtml(
      { buffer: data },
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
  return { markdown: await htmlToMarkdown(html), warnings }
}
