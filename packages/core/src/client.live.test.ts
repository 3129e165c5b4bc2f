// Runs against the real NuMarkdown API only when NUMIND_API_KEY is set (and NUMARKDOWN_BASE_URL, if given).
import { corpusPath } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { NuMarkdownClient } from './client.js'
import { AuthenticationError } from './errors.js'

describe.skipIf(!process.env.NUMIND_API_KEY)('live API', () => {
  it('converts a one-page PDF', async () => {
    const client = new NuMarkdownClient({ timeoutMs: 300_000 })
    try {
      const result = await client.convert(corpusPath('2305.03393v1-pg9.pdf'))
      expect(result.markdown.length).toBeGreaterThan(100)
      expect((await client.getJob(result.jobId)).status.toLowerCase()).toBe('completed')
    } finally {
      await client.close()
    }
  }, 310_000)

  it('rejects a wrong token with AuthenticationError', async () => {
    const client = new NuMarkdownClient({ apiKey: 'not-a-valid-token' })
    try {
      await expect(client.getJob('00000000-0000-0000-0000-000000000000')).rejects.toBeInstanceOf(
        AuthenticationError,
      )
    } finally {
      await client.close()
    }
  })
})
