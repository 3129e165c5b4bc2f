/**
 * The file of a document, for the engines that read files (the local and OpenAI-compatible engines do not set
 * `readsBytes`, so the server always spools their uploads): a document without one is a caller's mistake, named.
 */
import { EngineError } from '../../engine-error.js'
import type { EngineDocument } from '../../types.js'

/** `document.path`, or an `EngineFailure` naming the document when it came without a file. */
export function spooledPath(document: EngineDocument): string {
  if (document.path === undefined) {
    throw new EngineError(
      'EngineFailure',
      `This engine reads documents from files, and ${document.filename} came without a path (an engine that reads document.bytes sets readsBytes)`,
    )
  }
  return document.path
}
