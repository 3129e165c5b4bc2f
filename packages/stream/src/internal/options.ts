import {
  checkKnownOptions,
  type NuMarkdownClient,
  ValidationError,
  validateConversionParams,
} from '@numarkdown/core'
import { InvalidOptionError } from '../errors.js'
import type { ClientOrOptions, StreamConversionParams } from '../types.js'
import { streamConversionParamKeys } from './option-keys.js'

/** Throws an {@link InvalidOptionError} unless `value` is undefined or an integer within the range. */
export function checkInteger(
  option: string,
  value: unknown,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer ${min}..${max}`
    throw new InvalidOptionError(option, range, value)
  }
}

/** Throws unless `value` is undefined or of the given primitive type. */
export function checkType(option: string, value: unknown, type: 'string' | 'boolean' | 'function'): void {
  if (value !== undefined && typeof value !== type) throw new InvalidOptionError(option, `a ${type}`, value)
}

/** Throws unless `value` is undefined or an AbortSignal. */
export function checkSignal(value: unknown): void {
  if (value !== undefined && !(value instanceof AbortSignal)) {
    throw new InvalidOptionError('signal', 'an AbortSignal', value)
  }
}

/**
 * Validates the conversion parameters now, so that a bad one fails at creation, not after the upload. With
 * `where`, `params` is a parameters object of its own (an item's `params`), strict about its keys.
 */
export function checkParams(
  params: StreamConversionParams,
  prefix = '',
  where?: string,
): StreamConversionParams {
  if (typeof params !== 'object' || params === null) {
    throw new InvalidOptionError(prefix || 'params', 'an object', params)
  }
  if (where !== undefined) checkKnownOptions(params, streamConversionParamKeys, where)
  const name = (key: string) => `${prefix}${key}`
  try {
    validateConversionParams(params)
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new InvalidOptionError(name(error.parameter), { message: error.message, cause: error })
    }
    throw error
  }
  checkType(name('splitPages'), params.splitPages, 'boolean')
  checkInteger(name('pagesPerChunk'), params.pagesPerChunk, 1)
  const pages = params.pages as unknown
  if (pages !== undefined && typeof pages !== 'string' && !Array.isArray(pages)) {
    throw new InvalidOptionError(
      name('pages'),
      "a string like '1-3,7,10-' or an array of page numbers",
      pages,
    )
  }
  if (params.onPageError !== undefined && !['throw', 'skip'].includes(params.onPageError)) {
    throw new InvalidOptionError(name('onPageError'), "'throw' or 'skip'", params.onPageError)
  }
  checkInteger(name('timeoutMs'), params.timeoutMs, 0)
  if (params.strategy !== undefined && !['sse', 'poll', 'auto'].includes(params.strategy)) {
    throw new InvalidOptionError(name('strategy'), "'sse', 'poll' or 'auto'", params.strategy)
  }
  return pickParams(params)
}

/** The conversion parameters of `options`, without the stream's own options. */
export function pickParams(options: StreamConversionParams): StreamConversionParams {
  const params: StreamConversionParams = {}
  for (const key of streamConversionParamKeys) {
    if (options[key] !== undefined) (params as Record<string, unknown>)[key] = options[key]
  }
  return params
}

/** Tells a client from client options: a client has `convert()`. */
export function isClient(value: ClientOrOptions): value is NuMarkdownClient {
  return typeof (value as { convert?: unknown }).convert === 'function'
}

/** Validates the `client` option (a client, or options of one to create). */
export function checkClient(value: unknown): asserts value is ClientOrOptions {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidOptionError('client', 'a NuMarkdownClient or client options', value)
  }
}

/**
 * The spool options with their defaults; no directory stands for the system's temporary directory, looked up by
 * the spool only when it creates a file.
 */
export function spoolOptions(options: { spoolThresholdBytes?: number; spoolDirectory?: string }): {
  thresholdBytes: number
  directory: string | undefined
} {
  checkInteger('spoolThresholdBytes', options.spoolThresholdBytes, 0)
  checkType('spoolDirectory', options.spoolDirectory, 'string')
  return { thresholdBytes: options.spoolThresholdBytes ?? 8 * 1024 * 1024, directory: options.spoolDirectory }
}
