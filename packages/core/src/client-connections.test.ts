import { getEventListeners } from 'node:events'
import { setup } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { NuMarkdownClient } from './client.js'

describe('connections and listeners across calls', () => {
  it('reuses its connections conversion after conversion: a finished event stream is read to its end, not cut', async () => {
    const { client, server } = await setup(NuMarkdownClient)
    let connections = 0
    server.server.server.on('connection', () => connections++)
    for (let index = 0; index < 10; index++) {
      const result = await client.convert({ data: Buffer.from(`# ${index}`), filename: `${index}.md` })
      expect(result.markdown).toBe(`# ${index}`)
    }
    // The uploads and streams of ten conversions share the connections of the first: no new one per job.
    expect(connections).toBeLessThanOrEqual(2)
  })

  it('puts one listener on a signal shared by many calls, whatever their number', async () => {
    const { client } = await setup(NuMarkdownClient, {}, { concurrency: 16 })
    const controller = new AbortController()
    const converting = Array.from({ length: 20 }, (_, index) =>
      client.convert(
        { data: Buffer.from(`# ${index}`), filename: `${index}.md` },
        { signal: controller.signal, timeoutMs: 60_000 },
      ),
    )
    // However many calls follow it, the caller's signal carries one listener, not one per call in flight.
    expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1)
    await Promise.all(converting)
    const again = await client.convert(
      { data: Buffer.from('# again'), filename: 'again.md' },
      { signal: controller.signal },
    )
    expect(again.markdown).toBe('# again')
  })
})
