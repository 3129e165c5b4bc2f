import { readFileSync } from 'node:fs'
import { scriptedEngine } from '@numarkdown/server'
import { eventually, makePdf, setup } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { NuMarkdownClient } from './client.js'
import { AbortError, JobFailedError, PageRangeError, ValidationError } from './errors.js'
import type { PageResult, ProgressEvent } from './types.js'

const submits = (server: { server: { requests: { route: string }[] } }) =>
  server.server.requests.filter((entry) => entry.route === 'submit')
const cancelled = (server: { server: { requests: { route: string; jobId?: string }[] } }) =>
  server.server.requests.filter((entry) => entry.route === 'cancel').map((entry) => entry.jobId)
const firstLine = (page: PageResult) => page.markdown.split('\n')[0]

describe('convertPages', () => {
  it('yields each page as soon as it and every page before it are done, in page order', async () => {
    const engine = scriptedEngine({ hold: (document) => document.filename.includes('p2') })
    const { client } = await setup(NuMarkdownClient, { engine })
    const events: ProgressEvent[] = []
    const pages = client.convertPages(
      { data: await makePdf(['one', 'two', 'three']), filename: 'report.pdf' },
      { onProgress: (event) => events.push(event) },
    )
    const first = await pages.next()
    expect(first.value).toMatchObject({ pageNumber: 1, lastPageNumber: 1, totalPages: 3 })
    expect(firstLine(first.value as PageResult)).toBe('# report-p1.pdf')
    // Page 3 is done while page 2 is held: it waits for page 2.
    await eventually(() => events.some((event) => event.type === 'page-done' && event.pageNumber === 3))
    let yielded = false
    const second = pages.next().then((step) => {
      yielded = true
      return step
    })
    await engine.gate.whenWaiting(1)
    // A round trip to the server: time enough for a page 3 delivered out of order to arrive.
    await client.getJob((first.value as PageResult).jobId)
    expect(yielded).toBe(false)
    engine.gate.release()
    expect(((await second).value as PageResult).pageNumber).toBe(2)
    const third = (await pages.next()).value as PageResult
    expect([third.pageNumber, firstLine(third)]).toEqual([3, '# report-p3.pdf'])
    expect((await pages.next()).done).toBe(true)
    expect(events.find((event) => event.type === 'pages-total')).toMatchObject({
      filename: 'report.pdf',
      ranges: 3,
      totalPages: 3,
      selectedPages: 3,
    })
    const done = events.flatMap((event) => (event.type === 'page-done' ? [event] : []))
    expect(done.map((event) => event.pageNumber).sort()).toEqual([1, 2, 3])
    expect(done.every((event) => event.outcome === 'converted' && event.jobId)).toBe(true)
  })

  it('gives the same pages as convert({ splitPages: true })', async () => {
    const { client } = await setup(NuMarkdownClient)
    const pdf = await makePdf(['a', 'b', 'c', 'd', 'e'])
    const streamed: PageResult[] = []
    for await (const page of client.convertPages({ data: pdf, filename: 'x.pdf' }, { pagesPerChunk: 2 })) {
      streamed.push(page)
    }
    const result = await client.convert(
      { data: pdf, filename: 'x.pdf' },
      { splitPages: true, pagesPerChunk: 2 },
    )
    const shape = (page: PageResult) => [page.pageNumber, page.lastPageNumber, page.markdown, page.reasoning]
    expect(streamed.map(shape)).toEqual(result.pages?.map(shape))
    expect(streamed.map((page) => [page.pageNumber, page.lastPageNumber])).toEqual([
      [1, 2],
      [3, 4],
      [5, 5],
    ])
  })

  it('gives a document that is not a PDF as one page covering it, with a warning', async () => {
    const { client, server } = await setup(NuMarkdownClient)
    const pages: PageResult[] = []
    for await (const page of client.convertPages({ data: Buffer.from('# text'), filename: 'a.md' })) {
      pages.push(page)
    }
    expect(pages).toHaveLength(1)
    expect(pages[0]).toMatchObject({ pageNumber: 1, lastPageNumber: 1, markdown: '# text' })
    expect(pages[0]?.totalPages).toBeUndefined()
    expect(pages[0]?.warnings?.[0]).toMatch(/PDF only; a\.md \(text\/markdown\) was converted as one job/)
    expect(submits(server)).toHaveLength(1)
  })

  it('cancels every range still running when the loop is left early', async () => {
    const engine = scriptedEngine({ hold: (document) => !document.filename.includes('p1') })
    const { client, server } = await setup(NuMarkdownClient, { engine })
    for await (const page of client.convertPages({
      data: await makePdf(['a', 'b', 'c']),
      filename: 'r.pdf',
    })) {
      expect(page.pageNumber).toBe(1)
      await engine.gate.whenWaiting(2)
      break
    }
    await eventually(() => cancelled(server).length >= 2, 'both held jobs cancelled')
    expect(submits(server)).toHaveLength(3)
    expect(cancelled(server)).toHaveLength(2)
  })

  it('cancels every range and throws AbortError when aborted mid-document', async () => {
    const engine = scriptedEngine({ hold: (document) => !document.filename.includes('p1') })
    const { client, server } = await setup(NuMarkdownClient, { engine })
    const controller = new AbortController()
    const pages = client.convertPages(
      { data: await makePdf(['a', 'b', 'c']), filename: 'r.pdf' },
      { signal: controller.signal },
    )
    expect(((await pages.next()).value as PageResult).pageNumber).toBe(1)
    const next = pages.next()
    await engine.gate.whenWaiting(2)
    controller.abort()
    await expect(next).rejects.toBeInstanceOf(AbortError)
    await eventually(() => cancelled(server).length >= 2, 'both held jobs cancelled')
    expect(cancelled(server)).toHaveLength(2)
  })
})

describe('pages', () => {
  it('uploads only the pages asked for, keeping their page numbers', async () => {
    const engine = scriptedEngine()
    const { client } = await setup(NuMarkdownClient, { engine })
    const pdf = await makePdf(['1', '2', '3', '4', '5', '6'])
    const pages: PageResult[] = []
    for await (const page of client.convertPages({ data: pdf, filename: 'r.pdf' }, { pages: '1-2,5-' })) {
      pages.push(page)
    }
    expect(pages.map((page) => page.pageNumber)).toEqual([1, 2, 5, 6])
    expect(pages.map(firstLine)).toEqual(['# r-p1.pdf', '# r-p2.pdf', '# r-p5.pdf', '# r-p6.pdf'])
    expect(engine.calls.map((call) => call.document.filename).sort()).toEqual([
      'r-p1.pdf',
      'r-p2.pdf',
      'r-p5.pdf',
      'r-p6.pdf',
    ])
    const split = await client.convert({ data: pdf, filename: 'r.pdf' }, { splitPages: true, pages: [6, 3] })
    expect(split.pages?.map((page) => page.pageNumber)).toEqual([3, 6])
  })

  it('sends the pages asked for as one PDF without splitPages', async () => {
    const uploads: Buffer[] = []
    const engine = scriptedEngine({
      outcome: (document) => {
        uploads.push(document.path ? readFileSync(document.path) : Buffer.from(document.bytes ?? []))
        return 'complete'
      },
    })
    const { client, server } = await setup(NuMarkdownClient, { engine })
    const { PDFDocument } = await import('pdf-lib')
    const result = await client.convert(
      { data: await makePdf(['1', '2', '3', '4']), filename: 'r.pdf' },
      { pages: '2,4' },
    )
    expect(submits(server)).toHaveLength(1)
    expect(result.pages).toBeUndefined()
    expect(engine.calls[0]?.document.filename).toBe('r.pdf')
    expect((await PDFDocument.load(uploads[0]!)).getPageCount()).toBe(2)
  })

  it('refuses a malformed spec before any request, naming it', async () => {
    const { client, server } = await setup(NuMarkdownClient)
    const pdf = await makePdf(['1', '2'])
    expect(() => client.convertPages(pdf, { pages: '1-x' })).toThrow(ValidationError)
    const error = await client.convert(pdf, { pages: '3-1' }).catch((caught) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toBe('pages "3-1": the range 3-1 ends before it starts')
    expect(submits(server)).toHaveLength(0)
  })

  it('refuses pages past the end, naming the spec and the page count, uploading nothing', async () => {
    const { client, server } = await setup(NuMarkdownClient)
    const pdf = await makePdf(['1', '2', '3'])
    const streamed = client.convertPages(pdf, { pages: '2,9' })
    const error = await streamed.next().catch((caught) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toBe('pages "2,9": the document has 3 pages; ask for pages 1 to 3')
    await expect(client.convert(pdf, { splitPages: true, pages: '4-' })).rejects.toThrow(/has 3 pages/)
    await expect(
      client.convert({ data: Buffer.from('# a'), filename: 'a.md' }, { pages: '1' }),
    ).rejects.toThrow(/pages "1": a\.md is text\/markdown, not a PDF/)
    expect(submits(server)).toHaveLength(0)
  })
})

describe('page-level failures', () => {
  /** An engine that fails page 2 `failures` times, then converts it. */
  const failingPage2 = (failures: number) => {
    let failed = 0
    return scriptedEngine({
      outcome: (document) => {
        if (!document.filename.includes('p2') || failed >= failures) return 'complete'
        failed++
        return { type: 'fail', code: 'BadPage', message: 'page 2 is broken' }
      },
    })
  }

  it('retries a failed range on its own, never the whole document', async () => {
    const engine = failingPage2(1)
    const { client } = await setup(NuMarkdownClient, { engine })
    const result = await client.convert(
      { data: await makePdf(['a', 'b', 'c']), filename: 'r.pdf' },
      { splitPages: true },
    )
    expect(result.pages?.map(firstLine)).toEqual(['# r-p1.pdf', '# r-p2.pdf', '# r-p3.pdf'])
    expect(engine.calls.map((call) => call.document.filename).sort()).toEqual([
      'r-p1.pdf',
      'r-p2.pdf',
      'r-p2.pdf',
      'r-p3.pdf',
    ])
  })

  it('throws PageRangeError for a middle page that still fails, after the pages before it', async () => {
    // Page 2 runs (and fails, twice) only once page 1 was delivered, so the order of events is certain.
    const engine = scriptedEngine({
      hold: (document) => !document.filename.includes('p1'),
      outcome: (document) =>
        document.filename.includes('p2')
          ? { type: 'fail', code: 'BadPage', message: 'page 2 is broken' }
          : 'complete',
    })
    const { client, server } = await setup(NuMarkdownClient, { engine })
    const submitted = new Map<string, string>()
    const delivered: number[] = []
    const error = await (async () => {
      const pages = client.convertPages(
        { data: await makePdf(['a', 'b', 'c']), filename: 'r.pdf' },
        {
          onProgress: (event) => event.type === 'submitted' && submitted.set(event.jobId, event.filename),
        },
      )
      for await (const page of pages) {
        delivered.push(page.pageNumber)
        await engine.gate.whenWaiting(2)
        engine.gate.release('r-p2.pdf')
        // The retry of page 2, held again.
        await eventually(() => engine.gate.waiting.some((document) => document.filename === 'r-p2.pdf'))
        engine.gate.release('r-p2.pdf')
      }
    })().catch((caught) => caught)
    expect(delivered).toEqual([1])
    expect(error).toBeInstanceOf(PageRangeError)
    expect(error).toMatchObject({ pageNumber: 2, lastPageNumber: 2, code: 'BadPage' })
    expect(error.message).toMatch(/^page 2 of r\.pdf failed: Job [\w-]+ failed: page 2 is broken$/)
    expect(error.cause).toBeInstanceOf(JobFailedError)
    expect(engine.calls.filter((call) => call.document.filename === 'r-p2.pdf')).toHaveLength(2)
    // Page 3, held, is cancelled; nothing else is.
    await eventually(() => cancelled(server).length >= 1, 'page 3 cancelled')
    expect(cancelled(server).map((jobId) => submitted.get(jobId ?? ''))).toEqual(['r-p3.pdf'])
  })

  it('skips a middle page that still fails, listing it and marking its place', async () => {
    const engine = failingPage2(Infinity)
    const { client } = await setup(NuMarkdownClient, { engine })
    const pdf = await makePdf(['a', 'b', 'c'])
    const streamed: PageResult[] = []
    for await (const page of client.convertPages({ data: pdf, filename: 'r.pdf' }, { onPageError: 'skip' })) {
      streamed.push(page)
    }
    expect(streamed.map((page) => page.pageNumber)).toEqual([1, 2, 3])
    expect(streamed[1]?.error).toBeInstanceOf(PageRangeError)
    expect(streamed[1]?.markdown).toBe(`<!-- numarkdown: ${streamed[1]?.error?.message} -->`)
    expect(streamed[1]?.markdown).toMatch(
      /^<!-- numarkdown: page 2 of r\.pdf failed: .*page 2 is broken -->$/,
    )

    const result = await client.convert(
      { data: pdf, filename: 'r.pdf' },
      { splitPages: true, onPageError: 'skip' },
    )
    expect(result.failedPages?.map((failed) => [failed.pageNumber, failed.lastPageNumber])).toEqual([[2, 2]])
    expect(result.failedPages?.[0]?.error.cause).toBeInstanceOf(JobFailedError)
    expect(result.markdown).toBe(result.pages?.map((page) => page.markdown).join('\n\n'))
    expect(result.pages?.map(firstLine)).toEqual([
      '# r-p1.pdf',
      `<!-- numarkdown: ${result.failedPages?.[0]?.error.message} -->`,
      '# r-p3.pdf',
    ])
    expect(result.partial).toBe(true)
  })

  it('refuses onPageError without splitPages, and an unknown policy', async () => {
    const { client } = await setup(NuMarkdownClient)
    await expect(client.convert(Buffer.from('# a'), { onPageError: 'skip' })).rejects.toThrow(
      /onPageError "skip" applies with splitPages: true only/,
    )
    expect(() => client.convertPages(Buffer.from('# a'), { onPageError: 'ignore' as never })).toThrow(
      /expected 'throw' or 'skip', got "ignore"/,
    )
  })
})
