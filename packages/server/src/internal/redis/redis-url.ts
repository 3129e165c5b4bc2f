/**
 * A Redis URL checked once, and never shown with its password. Its own module, apart from the connections, so that
 * checking a server's options loads no Redis client: a server without `redis` never loads one.
 */
import { ValidationError } from '@numarkdown/protocol'

/** A Redis URL checked by {@link parseRedisUrl}. */
export interface RedisTarget {
  url: string
  /** The URL without its user name and password, for messages. */
  display: string
}

/** Check a `redis://` or `rediss://` URL; throws a ValidationError naming the option, never echoing a password. */
export function parseRedisUrl(value: unknown, name: string): RedisTarget {
  const expected = `${name} must be a Redis URL such as redis://127.0.0.1:6379`
  const parameter = name.replace(/^options\./, '')
  if (typeof value !== 'string' || value === '') {
    throw new ValidationError(`${expected}, got ${String(value)}`, { parameter })
  }
  let url: URL
  try {
    url = new URL(value)
  } catch (error) {
    throw new ValidationError(`${expected}, got a value that is not a URL`, {
      parameter,
      cause: error,
    })
  }
  const display = redactedUrl(url)
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ValidationError(`${expected}, got ${display}`, { parameter })
  }
  if (url.hostname === '')
    throw new ValidationError(`${expected} (with a host), got ${display}`, { parameter })
  return { url: value, display }
}

function redactedUrl(url: URL): string {
  const copy = new URL(url.href)
  copy.username = ''
  copy.password = ''
  return copy.href.replace(/\/$/, '')
}
