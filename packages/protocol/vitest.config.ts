import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@numarkdown/protocol',
    include: ['src/**/*.test.ts'],
  },
})
