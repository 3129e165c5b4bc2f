/**
 * The conversion parameters of `POST /api/markdown/infer-async`: their names on the wire, their ranges and their
 * defaults, written once as one table. The client turns a caller's parameters into the query with it (and
 * refuses a bad value before any request); the server reads the query with it.
 */
import { checkNumberRange, isWithin, type NumberRange } from './check-number-range.js'
import { parseDuration } from './duration.js'
import { invalidQueryParameter } from './invalid-request.js'
import { parseQueryInteger, parseQueryNumber } from './query-number.js'
import { rejectValue } from './reject-value.js'

/** The conversion parameters of the API, as a caller gives them (checked before any request). */
export interface ConversionParams {
  /** 0 ≤ temperature ≤ 1. @default 0 (server side) */
  temperature?: number
  /** Integer, 1 ≤ dpi ≤ 300; sent as `rasterizationDPI`. @default 170 (server side) */
  rasterizationDpi?: number
  /** Integer ≥ 0; 0 means no limit. @default 0 (server side) */
  maxOutputTokens?: number
  /** The job's execution timeout on the server: a duration string (`'90s'`, `'5m'`) or milliseconds. */
  timeout?: string | number
}

/** The conversion parameters as a server reads them from the query of `infer-async`, defaults applied. */
export interface SubmitParams {
  /** 0 ≤ t ≤ 1. @default 0 */
  temperature: number
  /** 1 ≤ dpi ≤ 300. @default 170 */
  rasterizationDPI: number
  /** ≥ 0; 0 means no limit. @default 0 */
  maxOutputTokens: number
  /** The job's execution timeout in milliseconds, when the client gave one. */
  timeoutMs?: number
}

/** One numeric parameter: its name for callers, its name on the wire, its range and its default. */
interface NumericParameter extends NumberRange {
  name: 'temperature' | 'rasterizationDpi' | 'maxOutputTokens'
  wire: 'temperature' | 'rasterizationDPI' | 'maxOutputTokens'
  fallback: number
}

const numericParameters: readonly NumericParameter[] = [
  { name: 'temperature', wire: 'temperature', min: 0, max: 1, fallback: 0 },
  { name: 'rasterizationDpi', wire: 'rasterizationDPI', min: 1, max: 300, integer: true, fallback: 170 },
  { name: 'maxOutputTokens', wire: 'maxOutputTokens', min: 0, integer: true, fallback: 0 },
]

/**
 * Checks the conversion parameters and returns them as the query of `infer-async` (camelCase on the wire:
 * `rasterizationDpi` is sent as `rasterizationDPI`, a `timeout` in milliseconds as `<n>ms`). Parameters left out
 * are not sent: the server applies its defaults.
 *
 * @throws {ValidationError} naming the parameter and the value received, e.g.
 * `expected 0 ≤ temperature ≤ 1, got 3.4`
 *
 * @example
 * conversionQuery({ rasterizationDpi: 200, timeout: 1500 }) // { rasterizationDPI: '200', timeout: '1500ms' }
 */
export function conversionQuery(params: ConversionParams): Record<string, string> {
  const query: Record<string, string> = {}
  for (const parameter of numericParameters) {
    const value = params[parameter.name]
    if (value !== undefined)
      query[parameter.wire] = String(checkNumberRange(parameter.name, value, parameter))
  }
  const timeout = params.timeout
  if (timeout !== undefined) {
    if (typeof timeout === 'number') {
      query.timeout = `${checkNumberRange('timeout', timeout, { min: 1, integer: true })}ms`
    } else if (typeof timeout === 'string' && parseDuration(timeout) !== undefined) {
      query.timeout = timeout.trim()
    } else {
      rejectValue(
        'timeout',
        "timeout to be a duration such as '1000ms', '90s', '5m', '1h' or a number of milliseconds",
        timeout,
      )
    }
  }
  return query
}

/**
 * Reads the conversion parameters from the query of `infer-async`, applying the defaults of the API to those
 * left out.
 *
 * @throws {ValidationError} for the first bad parameter, its message the API's 400 text
 * (`Invalid value for: query parameter temperature`)
 */
export function parseSubmitParams(query: URLSearchParams): SubmitParams {
  const params = {} as SubmitParams
  for (const parameter of numericParameters) {
    const text = query.get(parameter.wire)
    if (text === null) {
      params[parameter.wire] = parameter.fallback
      continue
    }
    const number = parameter.integer ? parseQueryInteger(text) : parseQueryNumber(text)
    if (!isWithin(number, parameter)) throw invalidQueryParameter(parameter.wire)
    params[parameter.wire] = number
  }
  const timeout = query.get('timeout')
  if (timeout !== null) {
    const milliseconds = parseDuration(timeout)
    if (milliseconds === undefined) throw invalidQueryParameter('timeout')
    params.timeoutMs = milliseconds
  }
  return params
}
