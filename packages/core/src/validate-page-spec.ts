import { ValidationError } from '@numarkdown/protocol'
import { parsePageSpec } from './internal/page-selection.js'
import type { PageSpec } from './types.js'

/**
 * Checks the syntax of a `pages` spec (`'1-3,7,10-'` or page numbers from 1) and returns it in one spelling (no
 * spaces, `3` for `3-3`, `10-` for an open range; an array as its page numbers joined by commas), for settings
 * compared or stored as text. Whether the pages exist is known only once a document is read; that check comes
 * with the conversion.
 *
 * Packages that take `pages` up front (a stream, a loader, a command line) call this so that a malformed spec
 * fails at creation rather than once per document.
 *
 * @example
 * validatePageSpec('3-1') // throws ValidationError: pages "3-1": the range 3-1 ends before it starts
 * @throws {ValidationError} naming the spec and the part of it that is wrong.
 */
export function validatePageSpec(spec: PageSpec): string {
  const selection = parsePageSpec(spec)
  if (!selection) {
    throw new ValidationError(
      "pages: expected a string like '1-3,7,10-' or an array of page numbers, got undefined",
      {
        parameter: 'pages',
      },
    )
  }
  return selection.ranges
    .map(({ first, last }) =>
      last === undefined ? `${first}-` : last === first ? `${first}` : `${first}-${last}`,
    )
    .join(',')
}
