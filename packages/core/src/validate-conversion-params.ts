import { conversionQuery } from '@numarkdown/protocol'
import type { ConversionParams } from './types.js'

/**
 * Checks the conversion parameters of the API and returns only them, picked from `options` (which may carry
 * other settings). Throws a `ValidationError` naming the parameter and the value received.
 *
 * The client checks them before every request; packages that accept parameters up front (a stream, a
 * loader) call this so that a bad value fails at creation rather than once per document.
 *
 * @example
 * validateConversionParams({ temperature: 3.4 }) // throws: expected 0 ≤ temperature ≤ 1, got 3.4
 */
export function validateConversionParams(options: ConversionParams): ConversionParams {
  conversionQuery(options)
  const params: ConversionParams = {}
  if (options.temperature !== undefined) params.temperature = options.temperature
  if (options.rasterizationDpi !== undefined) params.rasterizationDpi = options.rasterizationDpi
  if (options.maxOutputTokens !== undefined) params.maxOutputTokens = options.maxOutputTokens
  if (options.timeout !== undefined) params.timeout = options.timeout
  return params
}
