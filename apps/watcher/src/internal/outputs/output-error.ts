/**
 * A write on the output side failed: the output folder (or the state journal in it) is read-only, full, over
 * quota, or something sits where a folder should be. That is never the document's fault, so such a failure
 * is told apart from the document's own: the document is kept and tried again once the folder can be written.
 */
export class OutputError extends Error {
  /** The errno code of the failed write (`EACCES`, `EROFS`, `ENOSPC`, `EDQUOT`, `EPERM`...), when there is one. */
  readonly code: string | undefined
  /** The folder that could not be written. */
  readonly folder: string

  constructor(message: string, details: { folder: string; code?: string; cause?: unknown }) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'OutputError'
    this.code = details.code
    this.folder = details.folder
  }

  /** Wrap `error` from a write under `folder`, keeping its code; an `OutputError` is returned as it is. */
  static wrap(error: unknown, folder: string): OutputError {
    if (error instanceof OutputError) return error
    const code = (error as NodeJS.ErrnoException | undefined)?.code
    const message = error instanceof Error ? error.message : String(error)
    return new OutputError(message, { folder, ...(code ? { code } : {}), cause: error })
  }
}
