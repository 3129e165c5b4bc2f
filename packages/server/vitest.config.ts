import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@numarkdown/server',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // A condition across processes (Redis, a worker) can take seconds to come true on a busy machine: a poll waits
    // for it up to here instead of vitest's 1 s, and still ends as soon as it holds.
    expect: { poll: { timeout: 20_000 } },
  },
})
