/**
 * Options objects are strict: a misspelt key (`maxUploadByte`, `baseURL`) would otherwise be ignored in silence,
 * and the server would run with a default its operator meant to change. The message has the same form as
 * `checkKnownOptions` of @numarkdown/core, which the server does not depend on at run time.
 */

/**
 * Throws a `TypeError` for the first own key of `options` that is not in `known`, naming it and the closest known
 * key (`localEngine options: unknown option ocrWorker: did you mean ocrWorkers?`). `undefined` passes.
 *
 * @param options the object a caller passed
 * @param known every key that object may hold
 * @param where what the options are for, put before the message
 */
export function checkKnownOptions(options: unknown, known: readonly string[], where: string): void {
  if (options === undefined) return
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${where}: expected an options object, got ${describe(options)}`)
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue
    const suggestion = closestKey(key, known)
    throw new TypeError(
      `${where}: unknown option ${key}${suggestion === undefined ? '' : `: did you mean ${suggestion}?`}`,
    )
  }
}

/** The keys of an options type, listed once: the compiler checks that none is missing and none is extra. */
export function optionKeys<Options>(keys: Record<keyof Options, true>): readonly string[] {
  return Object.keys(keys)
}

/** A value as an error message shows it (as core's messages do); never a whole long string. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value)
  if (typeof value === 'bigint') return `${value}n`
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'function') return 'a function'
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`
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
