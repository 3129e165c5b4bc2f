/**
 * The texts of the API's 400 answers (`Invalid value for: query parameter temperature`), which clients show and
 * tests compare: written here once, thrown by the readers of a request's query and body.
 */
import { ValidationError } from './errors.js'

/** The 400 text for a submit whose body is not a multipart form with one `file` part. */
export const invalidBodyMessage = 'Invalid value for: body'

/**
 * The error for a bad query parameter; its message is the 400 text the API answers with.
 *
 * @param name the parameter as it is spelt on the wire (`rasterizationDPI`)
 */
export function invalidQueryParameter(name: string): ValidationError {
  return new ValidationError(`Invalid value for: query parameter ${name}`, { parameter: name })
}
