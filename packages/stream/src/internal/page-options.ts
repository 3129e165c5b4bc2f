/**
 * The page options (`pages`, `onPageError`) checked when a stream is created, as core would check them when the
 * conversion starts, and a page-selection failure named after its document: a stream of many documents, or an
 * error printed on its own, must say which document has fewer pages than asked for.
 */
import { ValidationError, validatePageSpec } from '@numarkdown/core'
import { InvalidOptionError } from '../errors.js'
import type { StreamConversionParams } from '../types.js'

/**
 * Checks the syntax of `params.pages` with core's own parser, so that a bad spec fails when the stream is created
 * and not once the whole input was read.
 */
export function checkPageSpec(params: StreamConversionParams, option: string): void {
  if (params.pages === undefined) return
  try {
    validatePageSpec(params.pages)
  } catch (error) {
    if (ValidationError.isInstance(error)) {
      throw new InvalidOptionError(option, { message: error.message, cause: error })
    }
    throw error
  }
}

/** `onPageError` means something only with `splitPages` (one job has no ranges): core refuses it otherwise. */
export function checkPagePolicy(params: StreamConversionParams, option = 'onPageError'): void {
  if (params.onPageError !== undefined && params.splitPages !== true) {
    throw new InvalidOptionError(option, {
      message: `${JSON.stringify(params.onPageError)} applies with splitPages: true only (one job has no page ranges)`,
    })
  }
}

/**
 * A `pages` failure of one document (pages it does not have, or a document that has no pages to choose) as a
 * `ValidationError` naming the document; any other error as it is.
 */
export function namePagesError(error: unknown, document: string): unknown {
  if (!ValidationError.isInstance(error) || error.parameter !== 'pages') return error
  if (error.message.includes(document)) return error
  return new ValidationError(`${document}: ${error.message}`, {
    parameter: 'pages',
    ...(error.code === undefined ? {} : { code: error.code }),
    cause: error,
  })
}
