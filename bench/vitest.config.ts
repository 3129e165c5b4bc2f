import { defineProject } from 'vitest/config'

// Unit tests of the runner's helpers and the baselines: `cd bench && pnpm vitest run`. The benchmarks
// themselves are checked by `pnpm bench --quick`.
export default defineProject({
  test: {
    name: '@numarkdown/bench',
    include: ['src/**/*.test.ts', 'baselines/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
