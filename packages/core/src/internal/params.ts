import type { ConversionParams } from '../types.js'
import { checkNumberRange, fail } from './validate.js'

const durationPattern = /^\d+(ms|s|m|h)$/

/**
 * Validates the conversion parameters of API.md and returns them as query parameters (camelCase on the wire).
 * Throws a ValidationError naming the parameter and the value received, before any request is made.
 */
export function conversionQuery(params: ConversionParams): Record<string, string> {
  const query: Record<string, string> = {}
  if (params.temperature !== undefined) {
    query.temperature = String(checkNumberRange('temperature', params.temperature, { min: 0, max: 1 }))
  }
  if (params.rasterizationDpi !== undefined) {
    const dpi = checkNumberRange('rasterizationDpi', params.rasterizationDpi, {
      min: 1,
      max: 300,
      integer: true,
    })
    query.rasterizationDPI = String(dpi)
  }
  if (params.maxOutputTokens !== undefined) {
    query.maxOutputTokens = String(
      checkNumberRange('maxOutputTokens', params.maxOutputTokens, { min: 0, integer: true }),
    )
  }
  if (params.timeout !== undefined) {
    const timeout = params.timeout
    if (typeof timeout === 'number') {
      query.timeout = `${checkNumberRange('timeout', timeout, { min: 1, integer: true })}ms`
    } else if (typeof timeout === 'string' && durationPattern.test(timeout.trim())) {
      query.timeout = timeout.trim()
    } else {
      fail(
        'timeout',
        "timeout to be a duration such as '1000ms', '90s', '5m', '1h' or a number of milliseconds",
        timeout,
      )
    }
  }
  return query
}
