/**
 * File names are limited in bytes, not characters: a name of CJK or emoji text reaches 255 bytes with a third
 * as many characters. Cutting by bytes must not split a character (nor a character from its combining marks
 * or an emoji sequence), or the name would hold broken UTF-8.
 */

const graphemes =
  typeof Intl.Segmenter === 'function'
    ? new Intl.Segmenter(undefined, { granularity: 'grapheme' })
    : undefined

/** The longest start of `text` whose UTF-8 encoding fits in `maxBytes`, cut between whole graphemes. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text
  let result = ''
  let bytes = 0
  const pieces = graphemes ? Array.from(graphemes.segment(text), (piece) => piece.segment) : Array.from(text)
  for (const piece of pieces) {
    const size = Buffer.byteLength(piece)
    if (bytes + size > maxBytes) break
    result += piece
    bytes += size
  }
  return result
}
