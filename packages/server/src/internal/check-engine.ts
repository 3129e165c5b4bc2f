/**
 * An engine is required wherever jobs run (a server, a cluster's worker): a default would differ between a program
 * and the `numarkdown-server` command (which converts real documents with the local engine), and a forgotten engine
 * would quietly serve placeholder results.
 */
import { describe, ValidationError } from '@numarkdown/protocol'
import type { Engine } from '../types.js'

/** Throws a `ValidationError` naming the engines there are unless `engine` has a `convert()` method. */
export function checkEngine(engine: unknown, where: string): asserts engine is Engine {
  if (typeof (engine as Engine | undefined)?.convert === 'function') return
  throw new ValidationError(
    `${where}: expected engine to be an engine with a convert() method (localEngine(), openaiEngine({ baseUrl, model }) or scriptedEngine()), got ${describe(engine)}`,
    { parameter: 'engine' },
  )
}
