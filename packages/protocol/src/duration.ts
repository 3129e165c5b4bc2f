/**
 * The `timeout` duration grammar of the API (`1000ms`, `10s`, `1m`, `1h`): the client checks a duration with it
 * before sending, the server reads it, so that both accept exactly the same texts.
 */

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/**
 * Reads a duration of the API into milliseconds: digits then `ms`, `s`, `m` or `h`, spaces around ignored.
 * Returns `undefined` for anything else, for zero, and for a length beyond `Number.MAX_SAFE_INTEGER` ms.
 *
 * @example
 * parseDuration('90s') // 90000
 * parseDuration('1.5s') // undefined
 */
export function parseDuration(text: string): number | undefined {
  const found = /^(\d+)(ms|s|m|h)$/.exec(text.trim())
  if (!found?.[1] || !found[2]) return undefined
  const milliseconds = Number(found[1]) * (durationUnits[found[2]] ?? Number.NaN)
  return Number.isSafeInteger(milliseconds) && milliseconds > 0 ? milliseconds : undefined
}
