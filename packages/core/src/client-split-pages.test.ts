import { scriptedEngine } from '@numarkdown/server'
import { corpusPath, eventually, makePdf, setup } from '@numarkdown/testing'
import { PDFDocument } from 'pdf-lib'
import { describe, expect, it } from 'vitest'
import { NuMarkdownClient } from './client.js'
import { AbortError, JobFailedError, PageRangeError } from './errors.js'

describe('splitPages', () => {
  it('converts each page as its own job and merges them in page order', async () => {
    // Later pages finish first, so order comes from merging, not from arrival.
    const engine = scriptedEngine({ latencyMs: (document) => (document.filename.includes('p1') ? 60 : 0) })
    const { client, server } = await setup(NuMarkdownClient, { engine })
    const pdf = await makePdf(['Page one', 'Page two', 'Page three', 'Page four'])
    const result = await client.convert({ data: pdf, filename: 'report.pdf' }, { splitPages: true })
    expect(result.pages?.map((page) => page.pageNumber)).toEqual([1, 2, 3, 4])
    expect(result.pages?.map((page) => page.markdown.split('\n')[0])).toEqual([
      '# report-p1.pdf',
      '# report-p2.pdf',
      '# report-p3.pdf',
      '# report-p4.pdf',
    ])
    expect(result.markdown).toBe(result.pages?.map((page) => page.markdown).join('\n\n'))
    expect(new Set(result.pages?.map((page) => page.jobId)).size).toBe(4)
    expect(server.server.requests.filter((entry) => entry.route === 'submit')).toHaveLength(4)
    // Each job received a one-page PDF.
    for (const call of engine.calls) {
      const { readFile } = await import('node:fs/promises')
      expect(call.document.contentType).toBe('application/pdf')
      expect(call.document.size).toBeGreaterThan(0)
      void readFile
    }
    expect(result.usage?.totalTokens).toBeGreaterThan(0)
  })

  it('splits a multi-page PDF of the corpus into ranges of pagesPerChunk', async () => {
    const path = corpusPath('multi_page.pdf')
    const { readFile } = await import('node:fs/promises')
    const pageCount = (await PDFDocument.load(await readFile(path))).getPageCount()
    const { client } = await setup(NuMarkdownClient)
    const result = await client.convert(path, { splitPages: true, pagesPerChunk: 2 })
    const expected = Array.from({ length: Math.ceil(pageCount / 2) }, (_, index) => index * 2 + 1)
    expect(result.pages?.map((page) => page.pageNumber)).toEqual(expected)
    expect(result.pages?.at(-1)?.lastPageNumber).toBe(pageCount)
    expect(result.pages?.[0]?.markdown).toContain('# multi_page-p1-2.pdf')
  })

  it('converts a document that is not a PDF as one job and says so', async () => {
    const { client } = await setup(NuMarkdownClient)
    const result = await client.convert(
      { data: Buffer.from('# text'), filename: 'a.md' },
      { splitPages: true },
    )
    expect(result.pages).toBeUndefined()
    expect(result.markdown).toBe('# text')
    expect(result.warnings?.[0]).toMatch(/PDF only/)
  })

  it('cancels every page job when aborted', async () => {
    const engine = scriptedEngine({ hold: true })
    const { client, server } = await setup(NuMarkdownClient, { engine }, { concurrency: 2 })
    const controller = new AbortController()
    const submitted: string[] = []
    const converting = client.convert(await makePdf(['a', 'b', 'c']), {
      splitPages: true,
      signal: controller.signal,
      onProgress: (event) => event.type === 'submitted' && submitted.push(event.jobId),
    })
    await engine.gate.whenWaiting(2)
    controller.abort()
    await expect(converting).rejects.toBeInstanceOf(AbortError)
    // The cancels go out in the background once the call has ended.
    await eventually(() => server.server.requests.filter((entry) => entry.route === 'cancel').length >= 2)
    const created = server.server.requests
      .filter((entry) => entry.route === 'submit')
      .map((entry) => entry.jobId)
    const cancelled = server.server.requests
      .filter((entry) => entry.route === 'cancel')
      .map((entry) => entry.jobId)
    // Two ranges ran (the third waited for a slot); whether their submit answers arrived before the abort or
    // not, both jobs are cancelled.
    expect(created).toHaveLength(2)
    expect(cancelled.sort()).toEqual(created.sort())
    expect(submitted.length).toBeLessThanOrEqual(2)
  })

  it('fails fast when one page fails after its retry, cancelling the others', async () => {
    const engine = scriptedEngine({
      hold: (document) => !document.filename.includes('p2'),
      outcome: (document) =>
        document.filename.includes('p2')
          ? { type: 'fail', code: 'BadPage', message: 'page 2 is broken' }
          : 'complete',
    })
    const { client, server } = await setup(NuMarkdownClient, { engine })
    const error = await client
      .convert(await makePdf(['a', 'b', 'c']), { splitPages: true })
      .catch((caught) => caught)
    expect(error).toBeInstanceOf(PageRangeError)
    expect(error.message).toMatch(/^page 2 of document\.pdf failed: Job [\w-]+ failed: page 2 is broken$/)
    expect([error.pageNumber, error.lastPageNumber]).toEqual([2, 2])
    expect(error.cause).toBeInstanceOf(JobFailedError)
    expect(error.code).toBe('BadPage')
    await eventually(() => server.server.requests.filter((entry) => entry.route === 'cancel').length >= 2)
    expect(server.server.requests.filter((entry) => entry.route === 'cancel')).toHaveLength(2)
  })
})
