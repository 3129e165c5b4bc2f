/** One measured figure, ours beside the baseline measured in the same run. */
export interface BenchmarkRow {
  /** What was measured, e.g. `p50 latency over engine time (SSE)`. */
  metric: string
  /** Our figure. */
  ours: number
  /** The baseline's figure, measured in the same run; absent where there is no baseline. */
  baseline?: number
  /** What the baseline is, e.g. `fetch + FormData + 1 s polling`. */
  baselineName?: string
  unit: string
  /** The target as text, e.g. `≤ 5 ms`. */
  target?: string
  /** Whether `ours` meets the target; absent where there is none. */
  pass?: boolean
}

/** What one benchmark module reports. */
export interface BenchmarkReport {
  name: string
  rows: BenchmarkRow[]
  /** Free-form lines printed under the table (e.g. a per-document score table). */
  notes?: string[]
}

/** Settings every benchmark receives. */
export interface BenchmarkContext {
  /** Tiny sizes: the whole suite in under a minute, to check benchmarks still run. */
  quick: boolean
}

/** A benchmark module under `bench/src/benchmarks/` default-exports one of these. */
export interface Benchmark {
  name: string
  description: string
  run(context: BenchmarkContext): Promise<BenchmarkReport>
}
