import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { createDisplay } from '../../display.js'
import { resolveOptions } from '../../options.js'
import { openBackend } from './backend.js'

describe('openBackend with the API', () => {
  const saved = process.env.NUMARKDOWN_BASE_URL
  afterEach(() => {
    if (saved === undefined) delete process.env.NUMARKDOWN_BASE_URL
    else process.env.NUMARKDOWN_BASE_URL = saved
  })

  it('logs the URL the client uses, also when it comes from NUMARKDOWN_BASE_URL', async () => {
    process.env.NUMARKDOWN_BASE_URL = 'http://127.0.0.1:9/api-root/'
    const output = new PassThrough()
    let written = ''
    output.on('data', (chunk: Buffer) => {
      written += chunk.toString('utf8')
    })
    const display = createDisplay({ format: 'json', output })
    const options = resolveOptions({ inbox: '/tmp/numarkdown-watch-inbox', apiKey: 'test-token-0123456789' })
    const backend = await openBackend(options, display)
    try {
      const line = JSON.parse(written.trim().split('\n')[0] ?? '{}')
      expect(line).toMatchObject({
        message: 'converting with the NuMarkdown API',
        baseUrl: 'http://127.0.0.1:9/api-root/',
      })
      expect(line.baseUrl).toBe(backend.client.baseUrl)
    } finally {
      await backend.close()
      display.close()
    }
  })
})
