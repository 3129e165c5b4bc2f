/**
 * Options objects are strict: a misspelt key (`baseURL` for `baseUrl`) would otherwise be ignored in silence,
 * and a silently ignored `baseUrl` sends the token to the production service. Every public options object of
 * every package is checked here, so that the message and the suggestion read the same everywhere.
 */
import { describe } from './describe.js'
import { ValidationError } from './errors.js'

/**
 * Throws a `ValidationError` for the first own key of `options` that is not in `known`, naming it and the
 * closest known key (`unknown option baseURL: did you mean baseUrl?`). `undefined` and `null` pass (no options).
 *
 * @param options the object a caller passed
 * @param known every key that object may hold
 * @param where what the options are for, put before the message (`NuMarkdownClient options`)
 * @throws {ValidationError} for an unknown key, or when `options` is not a plain object
 *
 * @example
 * checkKnownOptions({ baseURL: 'http://127.0.0.1' }, ['apiKey', 'baseUrl'], 'NuMarkdownClient options')
 * // throws: NuMarkdownClient options: unknown option baseURL: did you mean baseUrl?
 */
export function checkKnownOptions(options: unknown, known: readonly string[], where?: string): void {
  if (options === undefined || options === null) return
  const prefix = where === undefined ? '' : `${where}: `
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ValidationError(`${prefix}expected an options object, got ${describe(options)}`, {
      parameter: 'options',
    })
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue
    const suggestion = closestKey(key, known)
    throw new ValidationError(
      `${prefix}unknown option ${key}${suggestion === undefined ? '' : `: did you mean ${suggestion}?`}`,
      { parameter: key },
    )
  }
}

/**
 * The keys of an options type as a list for {@link checkKnownOptions}, written once as an object literal: the
 * compiler rejects a list that misses a key of the type or names one the type does not have, so the strict
 * check never drifts from the documented options.
 *
 * @example
 * const keys = optionKeys<{ concurrency?: number; signal?: AbortSignal }>({ concurrency: true, signal: true })
 */
export function optionKeys<Options>(keys: Record<keyof Options, true>): readonly string[] {
  return Object.freeze(Object.keys(keys))
}

/** The known key nearest to `key`, when it is near enough to be a plausible typo. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase()
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  const tolerance = Math.max(2, Math.floor(key.length / 3))
  return bestDistance <= tolerance ? best : undefined
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i])
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      const previous = rows[i - 1] as number[]
      let value = Math.min(
        (previous[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      )
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, ((rows[i - 2] as number[])[j - 2] as number) + 1)
      }
      row[j] = value
    }
  }
  return (rows[a.length] as number[])[b.length] as number
}
