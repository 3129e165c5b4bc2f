/**
 * How an error message shows a value it rejects, the same in every package: short, never a whole long string
 * (it could be a document or a secret pasted into the wrong option), never a whole object.
 */

/**
 * Describes a received value for an error message: strings quoted and cut at 60 characters, numbers, booleans,
 * `null` and `undefined` as written, anything else by its kind (`an array`, `a function`, `an object (Map)`).
 *
 * @example
 * describe(3.4) // '3.4'
 * describe('fast') // '"fast"'
 * describe(new Map()) // 'an object (Map)'
 */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value)
  if (typeof value === 'bigint') return `${value}n`
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'function') return 'a function'
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`
}
