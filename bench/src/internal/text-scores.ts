/**
 * How the local-engine benchmark scores markdown against a reference. Both sides are normalised the same way:
 * Unicode NFKC, lowercase, every character that is not a letter or a digit becomes a space (which strips markdown
 * syntax: `#`, `|`, `-`, `*`, links' brackets...), then split on whitespace. Token F1 compares the two bags of
 * words; edit similarity is 1 − (word-level Levenshtein distance / length of the longer word sequence), so it also
 * scores reading order.
 */

/** Words of a text after the normalisation described above. */
export function words(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .split(' ')
    .filter((word) => word.length > 0)
}

/** F1 of the multisets of words. */
export function tokenF1(candidate: string[], reference: string[]): number {
  if (candidate.length === 0 && reference.length === 0) return 1
  const counts = new Map<string, number>()
  for (const word of reference) counts.set(word, (counts.get(word) ?? 0) + 1)
  let overlap = 0
  for (const word of candidate) {
    const count = counts.get(word) ?? 0
    if (count > 0) {
      overlap++
      counts.set(word, count - 1)
    }
  }
  if (overlap === 0) return 0
  const precision = overlap / candidate.length
  const recall = overlap / reference.length
  return (2 * precision * recall) / (precision + recall)
}

/** 1 − word-level Levenshtein distance / longer length. */
export function editSimilarity(candidate: string[], reference: string[]): number {
  const longer = Math.max(candidate.length, reference.length)
  if (longer === 0) return 1
  const ids = new Map<string, number>()
  const id = (word: string): number => {
    let value = ids.get(word)
    if (value === undefined) {
      value = ids.size
      ids.set(word, value)
    }
    return value
  }
  const a = Int32Array.from(candidate, id)
  const b = Int32Array.from(reference, id)
  let previous = new Int32Array(b.length + 1).map((_, index) => index)
  let current = new Int32Array(b.length + 1)
  for (let i = 1; i <= a.length; i++) {
    current[0] = i
    const word = a[i - 1]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (word === b[j - 1] ? 0 : 1)
      const deletion = (previous[j] as number) + 1
      const insertion = (current[j - 1] as number) + 1
      current[j] = Math.min(substitution, deletion, insertion)
    }
    ;[previous, current] = [current, previous]
  }
  return 1 - (previous[b.length] as number) / longer
}
