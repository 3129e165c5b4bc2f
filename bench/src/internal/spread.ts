/** Min, median and max of a figure over rounds: how benchmarks on a shared machine report what they measured. */
import { median, round } from './stats.ts'

export interface Spread {
  min: number
  median: number
  max: number
}

export const spreadKinds = ['min', 'median', 'max'] as const

export function spreadOf(values: readonly number[]): Spread {
  return { min: Math.min(...values), median: median(values), max: Math.max(...values) }
}

/** `min–median–max`, rounded for display. */
export function showSpread(spread: Spread): string {
  return `${round(spread.min)}–${round(spread.median)}–${round(spread.max)}`
}
