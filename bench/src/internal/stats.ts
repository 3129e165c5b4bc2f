/** The `p`-th percentile (0..100) of `values`, by linear interpolation between closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of no values')
  const sorted = [...values].sort((a, b) => a - b)
  const rank = (p / 100) * (sorted.length - 1)
  const low = Math.floor(rank)
  const high = Math.ceil(rank)
  const lowValue = sorted[low]!
  const highValue = sorted[high]!
  return lowValue + (highValue - lowValue) * (rank - low)
}

export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

/** Rounds for display and JSON: 3 significant figures below 100, whole numbers above, 2 decimals at most. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value
  const magnitude = Math.abs(value)
  if (magnitude >= 100) return Math.round(value)
  if (magnitude >= 10) return Math.round(value * 10) / 10
  return Math.round(value * 100) / 100
}
