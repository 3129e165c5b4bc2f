import { resolveClientOptions } from './internal/options.js'
import type { ClientOptions } from './types.js'

/**
 * Checks client options exactly as `new NuMarkdownClient(options)` does — unknown keys, values, the token (from
 * the options or `NUMIND_API_KEY`) and the base URL — without creating a client. Throws a `ValidationError`
 * naming what is wrong.
 *
 * Packages that create a client later (a loader, on each load) call this up front, so that a typo fails when
 * they are set up rather than on first use.
 *
 * @example
 * validateClientOptions({ apiKey, baseURL: 'http://127.0.0.1:8787' })
 * // throws: NuMarkdownClient options: unknown option baseURL: did you mean baseUrl?
 */
export function validateClientOptions(options: ClientOptions = {}): void {
  resolveClientOptions(options)
}
