import { createHash } from 'node:crypto'
import type { ResolvedOptions } from '../../options.js'

/** Bumped when a change to the app alters the outputs of the same options: everything is converted again. */
const optionsVersion = 1

/**
 * A short hash of the options that shape an output. A journal record made under other options does not
 * count as done, so changing them converts the documents again; options that do not change the output
 * (concurrency, logging...) are left out so that changing them costs nothing.
 */
export function optionsFingerprint(options: Pick<ResolvedOptions, 'reasoning'>): string {
  return createHash('sha256')
    .update(JSON.stringify({ version: optionsVersion, reasoning: options.reasoning }))
    .digest('hex')
    .slice(0, 16)
}
