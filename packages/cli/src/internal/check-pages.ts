/**
 * `--pages` is read by core, the one home of the page-spec grammar (`1-3,7,10-`). Core checks a spec when a
 * conversion is asked for, before it reads the document or sends anything; asking it once here, with a client
 * that never connects, makes a bad `--pages` a usage error before any document is opened or the local server
 * is started.
 */
import { NuMarkdownClient, ValidationError } from '@numarkdown/core'
import { UsageError } from './usage-error.js'

/**
 * Core's message about a `pages` spec, spoken of as the flag: `pages "1-x": …` → `--pages "1-x": …`. Used for
 * the syntax (a usage error) and for pages a document does not have (that document's failure).
 */
export function pagesMessage(error: ValidationError): string {
  return error.message.replace(/^pages\b/, '--pages')
}

/** Throws a {@link UsageError} naming the flag when core does not read `pages` as a page spec. */
export async function checkPages(pages: string): Promise<void> {
  // A loopback address nothing is asked of: the spec is checked when `convertPages()` is called, and nothing
  // is sent before its first `next()`, which never comes.
  const client = new NuMarkdownClient({
    apiKey: 'never-sent-anywhere-0000',
    baseUrl: 'http://127.0.0.1:9',
    maxRetries: 0,
  })
  try {
    client.convertPages(new Uint8Array(0), { pages })
  } catch (error) {
    if (ValidationError.isInstance(error)) throw new UsageError(pagesMessage(error), { cause: error })
    throw error
  } finally {
    await client.close()
  }
}
