/**
 * How markdown is written, in one place for whole documents and for split documents written page by page, so
 * that both give the same bytes: the reasoning (when asked for on stdout) in an HTML comment before the
 * markdown it belongs to, and a newline at the end.
 */
import type { ConversionResult } from '@numarkdown/core'

/** The reasoning as an HTML comment that rendered markdown does not show, followed by a blank line. */
export function reasoningComment(reasoning: string): string {
  return `<!-- reasoning\n${reasoning.replaceAll('-->', '--&gt;')}\n-->\n\n`
}

/** `text` ending with a newline, unless it is empty. */
export function withFinalNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`
}

/** The markdown of a whole document as written: ending with a newline, the reasoning first when asked for. */
export function markdownText(result: ConversionResult, inlineReasoning: boolean): string {
  const reasoning =
    inlineReasoning && result.reasoning.trim() !== '' ? reasoningComment(result.reasoning) : ''
  return withFinalNewline(`${reasoning}${result.markdown}`)
}
