/**
 * How the pages a document skipped (`--on-page-error skip`) are named in the log line, the live view and the
 * summary: in page order, as a page spec that `--pages` reads back (`3,7-8`), each with why it failed.
 */
import type { FailedPageRecord } from '../journal/file-record.js'

/** Ranges named one by one in a message; the others are counted. */
const rangesNamed = 3

/** The pages as a spec, consecutive ranges run together: `3`, `4-5,9`. */
export function failedPageSpec(ranges: readonly FailedPageRecord[]): string {
  const runs: Array<[number, number]> = []
  for (const { pageNumber, lastPageNumber } of ranges) {
    const run = runs.at(-1)
    if (run !== undefined && pageNumber === run[1] + 1) run[1] = lastPageNumber
    else runs.push([pageNumber, lastPageNumber])
  }
  return runs.map(([first, last]) => (first === last ? `${first}` : `${first}-${last}`)).join(',')
}

/** `page 3 failed: Job … failed: …; pages 7-8 failed: …` (the first few ranges, then how many more). */
export function describeFailedPages(ranges: readonly FailedPageRecord[]): string {
  const named = ranges.slice(0, rangesNamed).map(({ pageNumber, lastPageNumber, message }) => {
    const pages =
      pageNumber === lastPageNumber ? `page ${pageNumber}` : `pages ${pageNumber}-${lastPageNumber}`
    return `${pages} failed: ${message}`
  })
  const more = ranges.length - named.length
  return `${named.join('; ')}${more > 0 ? `; ${more} more page ranges failed` : ''}`
}
