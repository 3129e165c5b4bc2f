/**
 * A mistake in the command line (a bad flag, a bad value, options that do not go together, stdin that is a
 * terminal): the command exits 2 and names what to change, before anything is converted.
 */
export class UsageError extends Error {
  /** An unknown flag as typed, so that the closest known flag can be suggested. */
  readonly unknownFlag: string | undefined

  constructor(message: string, details: { unknownFlag?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'UsageError'
    this.unknownFlag = details.unknownFlag
  }
}
