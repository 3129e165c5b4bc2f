import { checkKnownOptions, checkNumberRange, rejectValue } from '@numarkdown/protocol'
import { ValidationError } from '../errors.js'
import type { ClientOptions, Logger, WaitStrategy } from '../types.js'
import { silentLogger } from './logger.js'
import { clientOptionKeys, pollIntervalKeys, retryDelayKeys } from './option-keys.js'

export const defaultBaseUrl: string = 'https://nuextract.ai'

/**
 * The shortest token the client accepts. Sixteen characters are far from any word or error text that could
 * contain them by chance, and every real token shape (32-character keys, UUIDs, JWTs) is longer.
 */
export const minimumTokenLength = 16

/** Client options with defaults and environment variables applied, validated. */
export interface ResolvedClientOptions {
  apiKey: string
  baseUrl: URL
  concurrency: number
  maxRetries: number
  timeoutMs: number
  waitStrategy: WaitStrategy
  pingIntervalMs: number
  pollInitialMs: number
  pollMaxMs: number
  retryBaseMs: number
  retryMaxMs: number
  requestTimeoutMs: number
  logger: Logger
}

const strategies: readonly WaitStrategy[] = ['sse', 'poll', 'auto']

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return (
    host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
  )
}

/** The one place where options, environment variables and defaults meet. Throws a ValidationError. */
export function resolveClientOptions(
  options: ClientOptions = {},
  environment: Record<string, string | undefined> = process.env,
): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) rejectValue('options', 'an options object', options)
  // First of all: a misspelt `baseUrl` ignored in silence would send the token to the default service.
  checkKnownOptions(options, clientOptionKeys, 'NuMarkdownClient options')
  checkKnownOptions(options.pollInterval, pollIntervalKeys, 'NuMarkdownClient options: pollInterval')
  checkKnownOptions(options.retryDelay, retryDelayKeys, 'NuMarkdownClient options: retryDelay')
  const apiKey = options.apiKey ?? environment.NUMIND_API_KEY
  if (apiKey === undefined || apiKey === '') {
    throw new ValidationError(
      'Missing API token: pass { apiKey } or set the NUMIND_API_KEY environment variable',
      { parameter: 'apiKey', code: 'missing_api_key' },
    )
  }
  if (typeof apiKey !== 'string') rejectValue('apiKey', 'a string', typeof apiKey)
  if (/[\r\n]/.test(apiKey))
    rejectValue('apiKey', 'a token without line breaks', '(a token with a line break)')
  if (apiKey.length < minimumTokenLength) {
    // Every error and log line is scrubbed of the token; a short one would also erase ordinary text (the token
    // `t` turned `connect ECONNREFUSED` into `connec[redacted] ECONNREFUSED`), and is too easy to guess anyway.
    const source = options.apiKey === undefined ? 'NUMIND_API_KEY' : 'The apiKey option'
    throw new ValidationError(
      `${source} is too short (${apiKey.length} characters) to be kept out of logs safely: use a token of at least ${minimumTokenLength} characters (a self-hosted @numarkdown/server accepts any token; \`openssl rand -hex 16\` makes one)`,
      { parameter: 'apiKey', code: 'api_key_too_short' },
    )
  }

  const rawBaseUrl = options.baseUrl ?? environment.NUMARKDOWN_BASE_URL ?? defaultBaseUrl
  let baseUrl: URL
  try {
    baseUrl = new URL(String(rawBaseUrl))
  } catch {
    rejectValue('baseUrl', 'an absolute http(s) URL', rawBaseUrl)
  }
  if (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:') {
    rejectValue('baseUrl', 'an http: or https: URL', String(rawBaseUrl))
  }
  if (baseUrl.username || baseUrl.password)
    rejectValue('baseUrl', 'a URL without credentials', baseUrl.origin)
  const allowInsecureHttp = options.allowInsecureHttp ?? false
  if (typeof allowInsecureHttp !== 'boolean') rejectValue('allowInsecureHttp', 'a boolean', allowInsecureHttp)
  if (baseUrl.protocol === 'http:' && !isLoopback(baseUrl.hostname) && !allowInsecureHttp) {
    rejectValue(
      'baseUrl',
      'https:// (plain http:// sends the token in clear; allowed only to loopback or with allowInsecureHttp: true)',
      baseUrl.origin,
    )
  }
  if (!baseUrl.pathname.endsWith('/')) baseUrl.pathname += '/'
  baseUrl.search = ''
  baseUrl.hash = ''

  const concurrency = checkNumberRange('concurrency', options.concurrency ?? 4, { min: 1, integer: true })
  const maxRetries = checkNumberRange('maxRetries', options.maxRetries ?? 4, {
    min: 0,
    max: 100,
    integer: true,
  })
  const timeoutMs = checkNumberRange('timeoutMs', options.timeoutMs ?? 600_000, { min: 0, integer: true })
  const waitStrategy = options.waitStrategy ?? 'auto'
  if (!strategies.includes(waitStrategy)) rejectValue('waitStrategy', "'sse', 'poll' or 'auto'", waitStrategy)
  const pingIntervalMs = checkNumberRange('pingIntervalMs', options.pingIntervalMs ?? 30_000, {
    min: 1,
    integer: true,
  })
  const pollInitialMs = checkNumberRange('pollInterval.initialMs', options.pollInterval?.initialMs ?? 250, {
    min: 1,
    integer: true,
  })
  const pollMaxMs = checkNumberRange('pollInterval.maxMs', options.pollInterval?.maxMs ?? 5000, {
    min: pollInitialMs,
    integer: true,
  })
  const retryBaseMs = checkNumberRange('retryDelay.baseMs', options.retryDelay?.baseMs ?? 500, {
    min: 0,
    integer: true,
  })
  const retryMaxMs = checkNumberRange('retryDelay.maxMs', options.retryDelay?.maxMs ?? 30_000, {
    min: retryBaseMs,
    integer: true,
  })
  const requestTimeoutMs = checkNumberRange('requestTimeoutMs', options.requestTimeoutMs ?? 60_000, {
    min: 1,
    integer: true,
  })
  const logger = options.logger ?? silentLogger
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof logger?.[level] !== 'function')
      rejectValue('logger', `a logger with a ${level}() method`, logger)
  }
  return {
    apiKey,
    baseUrl,
    concurrency,
    maxRetries,
    timeoutMs,
    waitStrategy,
    pingIntervalMs,
    pollInitialMs,
    pollMaxMs,
    retryBaseMs,
    retryMaxMs,
    requestTimeoutMs,
    logger,
  }
}
