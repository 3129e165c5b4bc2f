/**
 * Which service a program built on the client converts with, decided from the same settings the client reads:
 * the token from the caller or `NUMIND_API_KEY`, the base URL from the caller or, along with a token,
 * `NUMARKDOWN_BASE_URL`. Command-line tools ask this before choosing between the API and an offline server, so
 * that the environment is read by this package alone.
 */

/** The token and base URL a program would hand to the client, and whether they name a service at all. */
export interface Connection {
  /** The token given, else `NUMIND_API_KEY`; undefined when neither is set (an empty value counts as unset). */
  apiKey: string | undefined
  /**
   * The base URL given, else `NUMARKDOWN_BASE_URL` when a token is known; undefined otherwise, for the client's
   * default (`client.baseUrl` tells which URL that is).
   */
  baseUrl: string | undefined
  /**
   * True when a token or a base URL is known: the NuMarkdown API (or a server speaking it) is meant. When false,
   * nothing names a service, and a program may convert offline instead.
   */
  remote: boolean
}

/**
 * Resolves the connection settings of a program: what it was given, completed from the environment.
 *
 * @param given the token and base URL from the program's own settings (flags, a config file), when any
 * @param environment the environment to read @default process.env
 *
 * @example
 * const connection = resolveConnection({ baseUrl: flags.baseUrl })
 * if (!connection.remote) console.error('no NUMIND_API_KEY: converting offline')
 */
export function resolveConnection(
  given: { apiKey?: string | undefined; baseUrl?: string | undefined } = {},
  environment: Record<string, string | undefined> = process.env,
): Connection {
  const apiKey = given.apiKey || environment.NUMIND_API_KEY || undefined
  const baseUrl =
    given.baseUrl ?? (apiKey === undefined ? undefined : environment.NUMARKDOWN_BASE_URL || undefined)
  return { apiKey, baseUrl, remote: apiKey !== undefined || baseUrl !== undefined }
}
