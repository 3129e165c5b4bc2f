import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@numarkdown/cli',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
})
