/**
 * How a benchmark says it cannot run here (a package it measures has not landed, a tool is missing):
 * `throw new BenchmarkSkipped('…why…')`, or `skip('…why…')`. The runner prints `skipped: <why>` and carries
 * on; a skip is not a failure, not even under `--quick`.
 */
export class BenchmarkSkipped extends Error {
  override readonly name = 'BenchmarkSkipped'

  /** Whether `error` is a skip, also across module instances. */
  static isInstance(error: unknown): error is BenchmarkSkipped {
    return error instanceof Error && error.name === 'BenchmarkSkipped'
  }
}

/** Throws a {@link BenchmarkSkipped} with the reason. */
export function skip(reason: string): never {
  throw new BenchmarkSkipped(reason)
}
