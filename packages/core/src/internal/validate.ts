import { ValidationError } from '../errors.js'
import type { WaitStrategy } from '../types.js'

/** Describes a received value for an error message without ever printing a long string in full. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value)
  if (typeof value === 'bigint') return `${value}n`
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'function') return 'a function'
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`
}

export function fail(parameter: string, expected: string, value: unknown): never {
  throw new ValidationError(`expected ${expected}, got ${describe(value)}`, { parameter })
}

export function checkNumberRange(
  parameter: string,
  value: unknown,
  { min, max, integer = false }: { min?: number; max?: number; integer?: boolean },
): number {
  const range =
    min !== undefined && max !== undefined
      ? `${min} ≤ ${parameter} ≤ ${max}`
      : min !== undefined
        ? `${parameter} ≥ ${min}`
        : `${parameter} ≤ ${max}`
  const expected = integer ? `an integer ${range}` : range
  if (typeof value !== 'number' || Number.isNaN(value)) fail(parameter, expected, value)
  if (integer && !Number.isInteger(value)) fail(parameter, expected, value)
  if ((min !== undefined && value < min) || (max !== undefined && value > max))
    fail(parameter, expected, value)
  return value
}

const strategies: readonly WaitStrategy[] = ['sse', 'poll', 'auto']

export function checkStrategy(strategy: unknown): WaitStrategy | undefined {
  if (strategy === undefined) return undefined
  if (!strategies.includes(strategy as WaitStrategy)) fail('strategy', "'sse', 'poll' or 'auto'", strategy)
  return strategy as WaitStrategy
}

export function checkJobId(jobId: unknown): string {
  if (typeof jobId !== 'string' || jobId.trim() === '') fail('jobId', 'a non-empty job ID string', jobId)
  return jobId
}

export function checkTimeout(timeoutMs: unknown, fallback: number): number {
  if (timeoutMs === undefined) return fallback
  return checkNumberRange('timeoutMs', timeoutMs, { min: 0, integer: true })
}

export function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined
  if (!(signal instanceof AbortSignal)) fail('signal', 'an AbortSignal', signal)
  return signal
}
