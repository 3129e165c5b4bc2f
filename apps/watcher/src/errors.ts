/**
 * The error a watcher run ends with when it cannot go on at all (as opposed to one document failing, which
 * is reported and never stops the run): today, an API key the service refuses.
 */

/** Why a run could not go on. */
export type WatcherErrorCode = 'API_KEY_REFUSED'

/** A run of the watcher stopped because it could not go on; `code` says why, `cause` holds the error behind it. */
export class WatcherError extends Error {
  readonly code: WatcherErrorCode

  constructor(message: string, details: { code: WatcherErrorCode; cause?: unknown }) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'WatcherError'
    this.code = details.code
  }
}
