/**
 * The syntax of `--pages` (`1-3,7,10-`), checked when the watcher starts: a spec the client would refuse must be
 * a usage error naming the flag, not the failure of every PDF dropped in the inbox afterwards. Whether a
 * document has those pages is known only once it is read: that is the document's failure, told by the client.
 * The grammar is the client's (`pages` of `convertPages`); the spec is kept in one canonical spelling, since it
 * is part of the options fingerprint.
 */

/** One part of a spec: a page, a range `3-5`, or an open range `10-`. */
const partPattern = /^(\d+)(?:\s*(-)\s*(\d*))?$/

/**
 * The canonical spelling of `spec` (`'1-3,7,10-'`, or an array of page numbers), without spaces; or why it is
 * not a page spec.
 */
export function checkPageSpec(spec: unknown): string | { why: string } {
  if (Array.isArray(spec)) {
    if (spec.length === 0) return { why: 'the list is empty' }
    for (const page of spec) {
      if (typeof page !== 'number' || !Number.isSafeInteger(page) || page < 1) {
        return { why: `${JSON.stringify(page)} is not a page number (an integer from 1)` }
      }
    }
    return spec.join(',')
  }
  if (typeof spec !== 'string') return { why: 'expected a string or an array of page numbers' }
  const parts: string[] = []
  for (const raw of spec.split(',')) {
    const part = raw.trim()
    const match = partPattern.exec(part)
    if (!match) return { why: `${JSON.stringify(part)} is not a page or a range like 3-5 or 10-` }
    const first = Number(match[1])
    const last = match[2] === undefined ? first : match[3] === '' ? undefined : Number(match[3])
    if (first < 1) return { why: 'pages count from 1' }
    if (last !== undefined && last < first) return { why: `the range ${part} ends before it starts` }
    parts.push(
      last === undefined
        ? `${first}-`
        : last === first && match[2] === undefined
          ? `${first}`
          : `${first}-${last}`,
    )
  }
  return parts.join(',')
}
