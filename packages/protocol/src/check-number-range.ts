/**
 * The one check of a number against a range, for every numeric option and parameter of every package. The
 * server's reading of the same parameters from a query string shares its range test ({@link isWithin}).
 */
import { rejectValue } from './reject-value.js'

/** The range a number must fall in; both ends inclusive. */
export interface NumberRange {
  min?: number
  max?: number
  /** Only safe integers (`Number.isSafeInteger`): counts, milliseconds, bytes. @default false */
  integer?: boolean
}

/** True when `value` is a number (not NaN) within `range`. */
export function isWithin(value: unknown, range: NumberRange): value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) return false
  if (range.integer && !Number.isSafeInteger(value)) return false
  if (range.min !== undefined && value < range.min) return false
  return range.max === undefined || value <= range.max
}

/**
 * Returns `value` when it is a number within the range; otherwise throws a `ValidationError` naming the parameter,
 * the range and the value received (`expected an integer 1 ≤ rasterizationDpi ≤ 300, got 301`).
 *
 * @param parameter the option or parameter checked, as the caller spells it
 * @param value the value received
 * @param range the range, and `where`: what the options are for, put before the message (`startServer options`)
 * @throws {ValidationError} when `value` is not a number within the range
 *
 * @example
 * checkNumberRange('concurrency', options.concurrency ?? 4, { min: 1, integer: true })
 * // with 0, throws: expected an integer concurrency ≥ 1, got 0
 */
export function checkNumberRange(
  parameter: string,
  value: unknown,
  range: NumberRange & { where?: string },
): number {
  if (isWithin(value, range)) return value
  const { min, max } = range
  const bounds =
    min !== undefined && max !== undefined
      ? `${min} ≤ ${parameter} ≤ ${max}`
      : min !== undefined
        ? `${parameter} ≥ ${min}`
        : `${parameter} ≤ ${max}`
  return rejectValue(parameter, range.integer ? `an integer ${bounds}` : bounds, value, range.where)
}
