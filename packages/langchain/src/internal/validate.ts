import { ValidationError } from '@numarkdown/core'

/** Describes a received value for an error message without printing a long string in full. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value)
  if (typeof value === 'bigint') return `${value}n`
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'function') return 'a function'
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`
}

/** Throws a ValidationError naming the option, what it should be and the value received. */
export function fail(parameter: string, expected: string, value: unknown): never {
  throw new ValidationError(
    `NuMarkdownLoader: expected ${parameter} to be ${expected}, got ${describe(value)}`,
    {
      parameter,
    },
  )
}

/** Checks an optional number against a range; returns it. */
export function checkNumber(
  parameter: string,
  value: unknown,
  { min, max, integer = false }: { min?: number; max?: number; integer?: boolean },
): number | undefined {
  if (value === undefined) return undefined
  const range =
    min !== undefined && max !== undefined
      ? `between ${min} and ${max}`
      : min !== undefined
        ? `at least ${min}`
        : `at most ${max}`
  const expected = integer ? `an integer ${range}` : `a number ${range}`
  if (typeof value !== 'number' || Number.isNaN(value)) fail(parameter, expected, value)
  if (integer && !Number.isInteger(value)) fail(parameter, expected, value)
  if ((min !== undefined && value < min) || (max !== undefined && value > max))
    fail(parameter, expected, value)
  return value
}

/** Checks an optional boolean; returns it. */
export function checkBoolean(parameter: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') fail(parameter, 'a boolean', value)
  return value
}
