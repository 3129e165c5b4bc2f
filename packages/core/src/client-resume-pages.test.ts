import { Readable } from 'node:stream'
import { scriptedEngine } from '@numarkdown/server'
import { eventually, makePdf, setup } from '@numarkdown/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { NuMarkdownClient } from './client.js'
import { NotFoundError, PageRangeError, ValidationError } from './errors.js'
import type { PageResult, PagesHandle, ProgressEvent } from './types.js'
import { validatePageSpec } from './validate-page-spec.js'

type Logged = { server: { requests: { route: string; jobId?: string }[] } }
const submits = (server: Logged) => server.server.requests.filter((entry) => entry.route === 'submit').length
const pageOf = (filename: string) => Number(/-p(\d+)(?:-\d+)?\.pdf$/.exec(filename)?.[1])
const collect = async (pages: AsyncIterable<PageResult>) => {
  const all: PageResult[] = []
  for await (const page of pages) all.push(page)
  return all
}
const pageTexts = (count: number) => Array.from({ length: count }, (_, index) => `page ${index + 1}`)

describe('convertPages on long documents', () => {
  it('runs only a window of ranges ahead of the page being delivered, cutting each when it starts', async () => {
    // Page 1 is held: every other page could finish, but none past the window may even start.
    const engine = scriptedEngine({ hold: (document) => pageOf(document.filename) === 1 })
    const { client, server } = await setup(NuMarkdownClient, { engine, concurrency: 8 }, { concurrency: 2 })
    const events: ProgressEvent[] = []
    const pages = client.convertPages(
      { data: await makePdf(pageTexts(30)), filename: 'long.pdf' },
      { onProgress: (event) => events.push(event) },
    )
    const first = pages.next()
    await engine.gate.whenWaiting(1)
    // The window is 8 ranges (twice the concurrency of 2, at least 8): pages 2-8 finish, page 9 waits.
    await eventually(() => events.filter((event) => event.type === 'page-done').length === 7)
    await client
      .getJob(server.server.requests.find((entry) => entry.route === 'submit')?.jobId ?? 'none')
      .catch(() => {})
    expect(submits(server)).toBe(8)
    engine.gate.release()
    expect(((await first).value as PageResult).pageNumber).toBe(1)
    const rest = await collect(pages)
    expect(rest.map((page) => page.pageNumber)).toEqual(pageTexts(29).map((_, index) => index + 2))
    expect(submits(server)).toBe(30)
  })
})

describe('resuming a split conversion', () => {
  it('records each range job in a plain JSON handle, and a resume after a stop submits only the ranges without one', async () => {
    let holding = true
    const engine = scriptedEngine({ hold: (document) => holding && pageOf(document.filename) >= 4 })
    const { client, server, clientOptions } = await setup(NuMarkdownClient, { engine }, { concurrency: 2 })
    const pdf = await makePdf(pageTexts(6))
    const events: ProgressEvent[] = []
    const pages = client.convertPages(
      { data: pdf, filename: 'book.pdf' },
      { onProgress: (event) => events.push(event) },
    )
    expect(pages.handle).toBeUndefined()
    const firstRun: PageResult[] = []
    for (let count = 0; count < 3; count++) firstRun.push((await pages.next()).value as PageResult)
    await engine.gate.whenWaiting(2)
    await eventually(() => events.filter((event) => event.type === 'submitted').length === 5)
    const submitted = events.flatMap((event) => (event.type === 'submitted' ? [event] : []))
    expect(submitted.map((event) => event.pageNumber).sort()).toEqual([1, 2, 3, 4, 5])
    const handle = JSON.parse(JSON.stringify(pages.handle)) as PagesHandle
    expect(handle.totalPages).toBe(6)
    expect(handle.ranges.map((range) => range.jobId)).toEqual([
      ...firstRun.map((page) => page.jobId),
      submitted.find((event) => event.pageNumber === 4)?.jobId,
      submitted.find((event) => event.pageNumber === 5)?.jobId,
      undefined,
    ])
    const planned = events.find((event) => event.type === 'pages-total')
    expect(planned?.type === 'pages-total' && planned.handle.ranges.every((range) => !range.jobId)).toBe(true)

    // The process stops (a closed client leaves its jobs running on the server, as a killed one would).
    await client.close()
    holding = false
    engine.gate.release()
    const before = submits(server)
    const again = new NuMarkdownClient(clientOptions)
    onTestFinished(() => again.close())
    const resumed = await collect(again.convertPages({ data: pdf, filename: 'book.pdf' }, { resume: handle }))
    expect(submits(server) - before).toBe(1)
    expect(resumed.map((page) => page.pageNumber)).toEqual([1, 2, 3, 4, 5, 6])
    expect(resumed.slice(0, 5).map((page) => page.jobId)).toEqual(
      handle.ranges.slice(0, 5).map((range) => range.jobId),
    )
    expect(resumed.map((page) => page.markdown.split('\n')[0])).toEqual(
      pageTexts(6).map((_, index) => `# book-p${index + 1}.pdf`),
    )
  })

  it('converts again a range whose job the server lost, and wait(handle) gathers a finished one', async () => {
    const { client, server } = await setup(NuMarkdownClient)
    const pdf = await makePdf(pageTexts(3))
    const pages = client.convertPages({ data: pdf, filename: 'memo.pdf' })
    const firstRun = await collect(pages)
    const handle = pages.handle!
    const merged = await client.convert({ data: pdf, filename: 'memo.pdf' }, { splitPages: true })

    const before = submits(server)
    const waited = await client.wait(handle)
    expect(submits(server)).toBe(before)
    expect(waited.markdown).toBe(merged.markdown)
    expect(waited.pages?.map((page) => page.jobId)).toEqual(firstRun.map((page) => page.jobId))

    const lost: PagesHandle = {
      ...handle,
      ranges: handle.ranges.map((range) =>
        range.pageNumber === 2 ? { ...range, jobId: 'gone-job' } : range,
      ),
    }
    const resumed = await client.convert(
      { data: pdf, filename: 'memo.pdf' },
      { splitPages: true, resume: lost },
    )
    expect(submits(server)).toBe(before + 1)
    expect(resumed.markdown).toBe(merged.markdown)
    // Without the document, a lost range cannot be submitted again: wait says which pages.
    const error = await client.wait(lost).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(PageRangeError)
    expect(error).toMatchObject({ pageNumber: 2, lastPageNumber: 2 })
    expect((error as PageRangeError).cause).toBeInstanceOf(NotFoundError)
    const skipped = await client.wait(lost, { onPageError: 'skip' })
    expect(skipped.failedPages?.map((failed) => failed.pageNumber)).toEqual([2])
  })

  it('refuses a handle of another document, a malformed one, and one beside pages', async () => {
    const { client, server } = await setup(NuMarkdownClient)
    const pdf = await makePdf(pageTexts(2))
    const pages = client.convertPages({ data: pdf, filename: 'a.pdf' })
    await collect(pages)
    const handle = pages.handle!
    const before = submits(server)

    const other = client.convertPages(
      { data: await makePdf(['x', 'y']), filename: 'b.pdf' },
      { resume: handle },
    )
    const error = await other.next().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toMatch(/handle belongs to a\.pdf .* but b\.pdf is another document/)

    expect(() => client.convertPages(pdf, { resume: { ...handle, version: 2 } as never })).toThrow(
      /resume is not a page handle \(version 2 is not 1\)/,
    )
    expect(() => client.convertPages(pdf, { resume: handle, pages: '1' })).toThrow(
      /resume and pages cannot go together/,
    )
    await expect(client.convert(pdf, { resume: handle })).rejects.toThrow(/splitPages: true only/)
    await expect(client.wait({ ...handle, ranges: [{ pageNumber: 1, lastPageNumber: 2 }] })).rejects.toThrow(
      /pages 1-2 of a\.pdf never got a job/,
    )
    expect(submits(server)).toBe(before)
  })
})

describe('split conversions of any input, and leaving jobs running', () => {
  it('cuts a PDF given as a Blob or a stream, and resumes it from one', async () => {
    const { client, server } = await setup(NuMarkdownClient)
    const pdf = await makePdf(pageTexts(3))
    const fromBlob = client.convertPages(new Blob([Buffer.from(pdf)], { type: 'application/pdf' }), {
      filename: 'blob.pdf',
    })
    const pages = await collect(fromBlob)
    expect(pages.map((page) => [page.pageNumber, page.totalPages, page.recovered])).toEqual([
      [1, 3, false],
      [2, 3, false],
      [3, 3, false],
    ])
    const streamed = await collect(client.convertPages(Readable.from([pdf]), { filename: 'stream.pdf' }))
    expect(streamed.map((page) => page.pageNumber)).toEqual([1, 2, 3])

    const before = submits(server)
    const resumed = await collect(
      client.convertPages(new Blob([Buffer.from(pdf)]), { filename: 'blob.pdf', resume: fromBlob.handle! }),
    )
    expect(resumed.map((page) => page.jobId)).toEqual(pages.map((page) => page.jobId))
    expect(submits(server)).toBe(before)
    // The same bytes that cannot be cut now (sent as another type) must not lose the pages converted before.
    const uncut = client.convertPages(
      { data: pdf, filename: 'blob.pdf', contentType: 'text/plain' },
      {
        resume: fromBlob.handle!,
      },
    )
    await expect(uncut.next()).rejects.toThrow(/the handle holds its pages/)
  })

  it('with cancelOnAbort: false, an abort leaves the range jobs running for a resume', async () => {
    const engine = scriptedEngine({ hold: (document) => pageOf(document.filename) >= 2 })
    const { client, server } = await setup(NuMarkdownClient, { engine }, { concurrency: 4 })
    const pdf = await makePdf(pageTexts(3))
    const controller = new AbortController()
    const pages = client.convertPages(
      { data: pdf, filename: 'keep.pdf' },
      { signal: controller.signal, cancelOnAbort: false },
    )
    expect(((await pages.next()).value as PageResult).pageNumber).toBe(1)
    await engine.gate.whenWaiting(2)
    await eventually(() => pages.handle?.ranges.every((range) => range.jobId) === true)
    const handle = pages.handle!
    controller.abort()
    await expect(pages.next()).rejects.toThrow()
    expect(client.cancelling).toEqual([])
    // Still running on the server, not cancelled.
    for (const range of handle.ranges.slice(1))
      expect((await client.getJob(range.jobId!)).status).toBe('running')
    expect(server.server.requests.filter((entry) => entry.route === 'cancel')).toHaveLength(0)
    engine.gate.release()
    const before = submits(server)
    const result = await client.convert(
      { data: pdf, filename: 'keep.pdf' },
      { splitPages: true, resume: handle },
    )
    expect(submits(server)).toBe(before)
    expect(result.pages?.map((page) => page.jobId)).toEqual(handle.ranges.map((range) => range.jobId))
  })

  it('checks a page spec up front for packages that take one at creation', () => {
    expect(validatePageSpec(' 1 - 3, 7,10-, 4-4')).toBe('1-3,7,10-,4')
    expect(validatePageSpec([4, 2])).toBe('4,2')
    expect(() => validatePageSpec(undefined as never)).toThrow(/got undefined/)
    expect(() => validatePageSpec('3-1')).toThrow(ValidationError)
    expect(() => validatePageSpec([0] as never)).toThrow(/not a page number/)
  })
})
