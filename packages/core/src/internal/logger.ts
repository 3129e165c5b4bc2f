import type { Logger } from '../types.js'

const noop = (): void => {}

export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop }

/** Removes every occurrence of the token from a string. */
export function redact(text: string, token: string): string {
  return token.length === 0 ? text : text.split(token).join('[redacted]')
}

/**
 * Wraps the user's logger so that no line can carry the token, whatever a server echoes back, and so that a
 * throwing logger never breaks a conversion. Fields are plain data built by this package (never headers).
 */
export function safeLogger(logger: Logger, token: string): Logger {
  // Nothing to scrub on the way to nowhere: the default logger drops every line unread.
  if (logger === silentLogger) return silentLogger
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string') return redact(value, token)
    if (value instanceof Error) return redact(String(value.message), token)
    if (Array.isArray(value)) return value.map(scrub)
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, scrub(inner)]))
    }
    return value
  }
  const wrap =
    (level: keyof Logger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      try {
        const clean = redact(message, token)
        if (fields === undefined) logger[level](clean)
        else logger[level](clean, scrub(fields) as Record<string, unknown>)
      } catch {
        // A broken logger must not break a conversion.
      }
    }
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') }
}
