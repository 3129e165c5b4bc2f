/** The check of every count and duration option: a positive safe integer, or the default when absent. */
export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`options.${name} must be a positive integer, got ${value}`)
  }
  return value
}
