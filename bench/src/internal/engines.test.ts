import { NuMarkdownClient } from '@numarkdown/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pageMarkdown } from './engines.ts'
import { makePdf } from './pdf.ts'
import { type BenchServer, startBenchServer } from './servers.ts'

describe('pageMarkdown', () => {
  it('is exactly the bytes asked for, naming its page', () => {
    const markdown = pageMarkdown('report.pdf', 7, 50 * 1024)
    expect(Buffer.byteLength(markdown)).toBe(50 * 1024)
    expect(markdown.startsWith('## report.pdf, page 7\n\n')).toBe(true)
  })
})

describe('the bench engine with markdownBytesPerPage', () => {
  let server: BenchServer
  let client: NuMarkdownClient

  beforeAll(async () => {
    server = await startBenchServer({ markdownBytesPerPage: 4096 })
    client = new NuMarkdownClient({ apiKey: server.token, baseUrl: server.url })
  })

  afterAll(async () => {
    await client?.close()
    await server?.close()
  })

  it('writes that much markdown for every page of a PDF, over HTTP', async () => {
    const pdf = await makePdf(['One', 'Two', 'Three'])
    const result = await client.convert({ data: pdf, filename: 'three.pdf' })
    expect(Buffer.byteLength(result.markdown)).toBe(3 * 4096)
    expect(result.markdown).toContain('## three.pdf, page 3\n\n')
  })

  it('counts a document that is not a PDF as one page', async () => {
    const result = await client.convert({ data: Buffer.from('# note'), filename: 'note.md' })
    expect(Buffer.byteLength(result.markdown)).toBe(4096)
  })
})
