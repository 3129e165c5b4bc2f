/**
 * The paging parameters of the job list (`GET /api/jobs`): `perPage` 1–100 (default 30) and `skip` ≥ 0
 * (default 0), written once for the client that sends them and the server that reads them.
 */
import { checkNumberRange, isWithin } from './check-number-range.js'
import { invalidQueryParameter } from './invalid-request.js'
import { parseQueryInteger } from './query-number.js'

/** The job list's query, as a server reads it. */
export interface ListParams {
  /** Jobs to skip before the first one returned. @default 0 */
  skip: number
  /** Jobs per page, 1..100. @default 30 */
  perPage: number
  /** Only the jobs of this organization. */
  organization?: string
}

const perPageRule = { min: 1, max: 100, integer: true, fallback: 30 } as const
const skipRule = { min: 0, integer: true, fallback: 0 } as const

/**
 * Checks the paging options a caller gives and applies the defaults.
 *
 * @throws {ValidationError} naming the option and the value received (`expected an integer 1 ≤ perPage ≤ 100, got 0`)
 */
export function checkListParams(options: { perPage?: unknown; skip?: unknown }): {
  perPage: number
  skip: number
} {
  const perPage = checkNumberRange('perPage', options.perPage ?? perPageRule.fallback, perPageRule)
  const skip = checkNumberRange('skip', options.skip ?? skipRule.fallback, skipRule)
  return { perPage, skip }
}

/**
 * Reads the job list's query, applying the defaults.
 *
 * @throws {ValidationError} for a bad `skip` or `perPage`, its message the API's 400 text
 */
export function parseListParams(query: URLSearchParams): ListParams {
  let skip: number = skipRule.fallback
  let perPage: number = perPageRule.fallback
  const skipText = query.get('skip')
  if (skipText !== null) {
    const number = parseQueryInteger(skipText)
    if (!isWithin(number, skipRule)) throw invalidQueryParameter('skip')
    skip = number
  }
  const perPageText = query.get('perPage')
  if (perPageText !== null) {
    const number = parseQueryInteger(perPageText)
    if (!isWithin(number, perPageRule)) throw invalidQueryParameter('perPage')
    perPage = number
  }
  const organization = query.get('organization')
  return organization === null || organization === '' ? { skip, perPage } : { skip, perPage, organization }
}
