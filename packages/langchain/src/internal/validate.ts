/**
 * The loader's option checks, in the message shape every NuMarkdown package uses (`NuMarkdownLoader: expected
 * concurrency to be ..., got 0`), thrown as the shared `ValidationError`.
 */
import { checkNumberRange, type NumberRange, rejectValue } from '@numarkdown/protocol'

const where = 'NuMarkdownLoader'

/** Throws a ValidationError naming the option, what it should be and the value received. */
export function fail(parameter: string, expected: string, value: unknown): never {
  return rejectValue(parameter, `${parameter} to be ${expected}`, value, where)
}

/** Checks an optional number against a range; returns it. */
export function checkNumber(parameter: string, value: unknown, range: NumberRange): number | undefined {
  return value === undefined ? undefined : checkNumberRange(parameter, value, { ...range, where })
}

/** Checks an optional boolean; returns it. */
export function checkBoolean(parameter: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') fail(parameter, 'a boolean', value)
  return value
}
