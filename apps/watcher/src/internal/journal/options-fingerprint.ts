import { createHash } from 'node:crypto'
import type { ResolvedOptions } from '../../options.js'

/** Bumped when a change to the app alters the outputs of the same options: everything is converted again. */
const optionsVersion = 1

/**
 * A short hash of the options that shape an output. A journal record made under other options does not
 * count as done, so changing them converts the documents again; options that do not change the output
 * (concurrency, logging...) are left out so that changing them costs nothing.
 */
export function optionsFingerprint(
  options: Pick<ResolvedOptions, 'reasoning' | 'splitPages' | 'pages' | 'onPageError'>,
): string {
  // Page options only when set: the fingerprint of a run without them stays what it was before they existed.
  // Skipping failed pages shapes the outputs (a marker where a failed page was, instead of no output at all).
  const pages = {
    ...(options.splitPages ? { splitPages: true } : {}),
    ...(options.pages !== undefined ? { pages: options.pages } : {}),
    ...(options.onPageError === 'skip' ? { onPageError: 'skip' } : {}),
  }
  return createHash('sha256')
    .update(JSON.stringify({ version: optionsVersion, reasoning: options.reasoning, ...pages }))
    .digest('hex')
    .slice(0, 16)
}
