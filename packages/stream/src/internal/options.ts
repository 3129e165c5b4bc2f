import { tmpdir } from 'node:os'
import type { NuMarkdownClient } from '@numarkdown/core'
import { InvalidOptionError } from '../errors.js'
import type { ClientOrOptions, StreamConversionParams } from '../types.js'

const durationPattern = /^\d+(ms|s|m|h)$/

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

/** Validates the conversion parameters now, so that a bad one fails at creation, not after the upload. */
export function checkParams(params: StreamConversionParams, prefix = ''): StreamConversionParams {
  if (typeof params !== 'object' || params === null) {
    throw new InvalidOptionError(prefix || 'params', 'an object', params)
  }
  const name = (key: string) => `${prefix}${key}`
  const { temperature, timeout } = params
  if (
    temperature !== undefined &&
    (typeof temperature !== 'number' || Number.isNaN(temperature) || temperature < 0 || temperature > 1)
  ) {
    throw new InvalidOptionError(name('temperature'), '0 ≤ temperature ≤ 1', temperature)
  }
  checkInteger(name('rasterizationDpi'), params.rasterizationDpi, 1, 300)
  checkInteger(name('maxOutputTokens'), params.maxOutputTokens, 0)
  if (
    timeout !== undefined &&
    !(typeof timeout === 'number' && Number.isInteger(timeout) && timeout >= 1) &&
    !(typeof timeout === 'string' && durationPattern.test(timeout.trim()))
  ) {
    throw new InvalidOptionError(
      name('timeout'),
      "a duration such as '90s' or a number of milliseconds",
      timeout,
    )
  }
  checkType(name('splitPages'), params.splitPages, 'boolean')
  checkInteger(name('pagesPerChunk'), params.pagesPerChunk, 1)
  checkInteger(name('timeoutMs'), params.timeoutMs, 0)
  if (params.strategy !== undefined && !['sse', 'poll', 'auto'].includes(params.strategy)) {
    throw new InvalidOptionError(name('strategy'), "'sse', 'poll' or 'auto'", params.strategy)
  }
  return pickParams(params)
}

/** The conversion parameters of `options`, without the stream's own options. */
export function pickParams(options: StreamConversionParams): StreamConversionParams {
  const params: StreamConversionParams = {}
  for (const key of [
    'temperature',
    'rasterizationDpi',
    'maxOutputTokens',
    'timeout',
    'splitPages',
    'pagesPerChunk',
    'timeoutMs',
    'strategy',
  ] as const) {
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

/** The spool options with their defaults. */
export function spoolOptions(options: { spoolThresholdBytes?: number; spoolDirectory?: string }): {
  thresholdBytes: number
  directory: string
} {
  checkInteger('spoolThresholdBytes', options.spoolThresholdBytes, 0)
  checkType('spoolDirectory', options.spoolDirectory, 'string')
  return {
    thresholdBytes: options.spoolThresholdBytes ?? 8 * 1024 * 1024,
    directory: options.spoolDirectory ?? tmpdir(),
  }
}
