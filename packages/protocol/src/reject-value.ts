/**
 * The one shape of a rejected value's message, `expected <what>, got <value>`, so that a bad option reads the same
 * whichever package refused it.
 */
import { describe } from './describe.js'
import { ValidationError } from './errors.js'

/**
 * Throws a `ValidationError` for `parameter`: `expected <expected>, got <value>`, after `where: ` when given.
 *
 * @param parameter the option or parameter rejected (the error's `parameter`)
 * @param expected what it should have been, as a phrase (`a boolean`, `'sse', 'poll' or 'auto'`)
 * @param value the value received, shown with {@link describe}
 * @param where what the options are for (`localEngine options`)
 * @throws {ValidationError} always
 *
 * @example
 * rejectValue('strategy', "'sse', 'poll' or 'auto'", 'push') // throws: expected 'sse', 'poll' or 'auto', got "push"
 */
export function rejectValue(parameter: string, expected: string, value: unknown, where?: string): never {
  const prefix = where === undefined ? '' : `${where}: `
  throw new ValidationError(`${prefix}expected ${expected}, got ${describe(value)}`, { parameter })
}
