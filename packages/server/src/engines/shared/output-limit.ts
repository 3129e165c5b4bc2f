/**
 * Output tokens are estimated, not counted: the local and scripted engines have no tokenizer. One token is taken
 * as four characters, the usual average for English text with BPE tokenizers.
 */
export const charactersPerToken = 4

/** The estimated token count of `text`. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / charactersPerToken)
}

/**
 * Cuts `text` to about `maxTokens` tokens (0 means no limit), at the last whitespace before the limit when there
 * is one, so that no word is cut in half.
 */
export function limitTokens(text: string, maxTokens: number): { text: string; truncated: boolean } {
  const limit = maxTokens * charactersPerToken
  if (maxTokens <= 0 || text.length <= limit) return { text, truncated: false }
  const cut = text.slice(0, limit)
  const space = cut.search(/\s\S*$/)
  return { text: (space > limit * 0.5 ? cut.slice(0, space) : cut).trimEnd(), truncated: true }
}
