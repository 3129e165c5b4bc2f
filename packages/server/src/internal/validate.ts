import type { EngineParams } from '../types.js'

/** A validation failure; `message` is the exact text the API answers with. */
export class ValidationError extends Error {
  override name = 'ValidationError'
}

const invalid = (name: string): ValidationError =>
  new ValidationError(`Invalid value for: query parameter ${name}`)

/** The `body` validation text of the API. */
export const invalidBodyMessage = 'Invalid value for: body'

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Parse a duration of the API (`1000ms`, `10s`, `1m`, `1h`) into milliseconds, or undefined. */
export function parseDuration(value: string): number | undefined {
  const found = /^(\d+)(ms|s|m|h)$/.exec(value.trim())
  if (!found?.[1] || !found[2]) return undefined
  const milliseconds = Number(found[1]) * (durationUnits[found[2]] ?? Number.NaN)
  return Number.isSafeInteger(milliseconds) && milliseconds > 0 ? milliseconds : undefined
}

function parseInteger(value: string): number | undefined {
  if (!/^[+-]?\d+$/.test(value.trim())) return undefined
  const number = Number(value)
  return Number.isSafeInteger(number) ? number : undefined
}

/** Validate the query of `infer-async`; throws a {@link ValidationError} naming the first bad parameter. */
export function parseSubmitParams(query: URLSearchParams): EngineParams {
  const params: EngineParams = { temperature: 0, rasterizationDPI: 170, maxOutputTokens: 0 }
  const temperature = query.get('temperature')
  if (temperature !== null) {
    const number = temperature.trim() === '' ? Number.NaN : Number(temperature)
    if (!Number.isFinite(number) || number < 0 || number > 1) throw invalid('temperature')
    params.temperature = number
  }
  const dpi = query.get('rasterizationDPI')
  if (dpi !== null) {
    const number = parseInteger(dpi)
    if (number === undefined || number < 1 || number > 300) throw invalid('rasterizationDPI')
    params.rasterizationDPI = number
  }
  const maxOutputTokens = query.get('maxOutputTokens')
  if (maxOutputTokens !== null) {
    const number = parseInteger(maxOutputTokens)
    if (number === undefined || number < 0) throw invalid('maxOutputTokens')
    params.maxOutputTokens = number
  }
  const timeout = query.get('timeout')
  if (timeout !== null) {
    const milliseconds = parseDuration(timeout)
    if (milliseconds === undefined) throw invalid('timeout')
    params.timeoutMs = milliseconds
  }
  return params
}

/** Validate the query of the job list. */
export function parseListParams(query: URLSearchParams): {
  skip: number
  perPage: number
  organization?: string
} {
  let skip = 0
  let perPage = 30
  const skipText = query.get('skip')
  if (skipText !== null) {
    const number = parseInteger(skipText)
    if (number === undefined || number < 0) throw invalid('skip')
    skip = number
  }
  const perPageText = query.get('perPage')
  if (perPageText !== null) {
    const number = parseInteger(perPageText)
    if (number === undefined || number < 1 || number > 100) throw invalid('perPage')
    perPage = number
  }
  const organization = query.get('organization')
  return organization === null || organization === '' ? { skip, perPage } : { skip, perPage, organization }
}
