/**
 * `--pages` is read by core, the one home of the page-spec grammar (`1-3,7,10-`). Checking it here makes a bad
 * `--pages` a usage error before any document is opened or the local server is started.
 */
import { ValidationError, validatePageSpec } from '@numarkdown/core'
import { UsageError } from './usage-error.js'

/**
 * Core's message about a `pages` spec, spoken of as the flag: `pages "1-x": …` → `--pages "1-x": …`. Used for
 * the syntax (a usage error) and for pages a document does not have (that document's failure).
 */
export function pagesMessage(error: ValidationError): string {
  return error.message.replace(/^pages\b/, '--pages')
}

/** Throws a {@link UsageError} naming the flag when core does not read `pages` as a page spec. */
export function checkPages(pages: string): void {
  try {
    validatePageSpec(pages)
  } catch (error) {
    if (ValidationError.isInstance(error)) throw new UsageError(pagesMessage(error), { cause: error })
    throw error
  }
}
