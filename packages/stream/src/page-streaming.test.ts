import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { PageRangeError, type PageResult, type ProgressEvent, ValidationError } from '@numarkdown/core'
import { corpusPath, eventually, makePdf } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { convertMany } from './convert-many.js'
import { InvalidOptionError } from './errors.js'
import { toMarkdown } from './markdown-transform.js'
import { closed, useHarness } from './test-helpers.js'
import { toMarkdownStream } from './to-markdown-stream.js'
import type { ConvertManyOutput, MarkdownInfo } from './types.js'

const harnesses = useHarness()
const setup = harnesses.setup

/** The scripted engine's range files are named `<stem>-p<page>.pdf`: this picks a page by its document. */
const isPage = (page: number) => (document: { filename: string }) =>
  document.filename.endsWith(`-p${page}.pdf`)
const laterPages = (document: { filename: string }) => !isPage(1)(document)
const failPage2 = (document: { filename: string }) =>
  isPage(2)(document) ? { type: 'fail' as const, code: 'BadPage', message: 'page 2 is broken' } : 'complete'

/** A Writable that keeps every chunk as text, and the count of chunks seen. */
function collector(): Writable & { text: string; chunks: number } {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      sink.text += chunk.toString('utf8')
      sink.chunks++
      callback()
    },
  }) as Writable & { text: string; chunks: number }
  sink.text = ''
  sink.chunks = 0
  return sink
}

/** Job IDs by the range file they converted, from `submitted` events. */
function jobsByFile(): { onProgress: (event: ProgressEvent) => void; ids: Map<string, string> } {
  const ids = new Map<string, string>()
  return {
    ids,
    onProgress(event) {
      if (event.type === 'submitted') ids.set(event.filename, event.jobId)
    },
  }
}

async function expectCancelled(ids: Iterable<string>): Promise<void> {
  for (const jobId of ids) {
    await eventually(
      async () => (await harnesses.current.jobStatus(jobId)) === 'cancelled',
      `job ${jobId} to be cancelled`,
    )
  }
}

describe('toMarkdown({ splitPages: true })', () => {
  it('writes page 1 while later pages still run on the server, then each page in order', async () => {
    const { client, engine, jobStatus } = await setup({ hold: laterPages })
    const pdf = await makePdf(['one', 'two', 'three'])
    const jobs = jobsByFile()
    const pages: PageResult[] = []
    const events: string[] = []
    let info: MarkdownInfo | undefined
    const transform = toMarkdown({ client, filename: 'r.pdf', splitPages: true, onProgress: jobs.onProgress })
    transform.on('page', (page: PageResult) => {
      pages.push(page)
      events.push(`page ${page.pageNumber}`)
    })
    transform.on('info', (details: MarkdownInfo) => {
      info = details
      events.push('info')
    })
    const sink = collector()
    const done = pipeline(Readable.from([Buffer.from(pdf)]), transform, sink)

    await eventually(() => sink.text !== '', 'the first page at the reader')
    expect(sink.text).toBe(pages[0]?.markdown)
    expect(sink.text.startsWith('# r-p1.pdf\n')).toBe(true)
    // Pages 2 and 3 are held by the engine: their jobs are running on the server right now.
    expect((await engine.gate.whenWaiting(2)).map((document) => document.filename).sort()).toEqual([
      'r-p2.pdf',
      'r-p3.pdf',
    ])
    expect(await jobStatus(jobs.ids.get('r-p3.pdf')!)).toBe('running')

    // Page 3 done before page 2: it waits for page 2.
    engine.gate.release('r-p3.pdf')
    await eventually(async () => (await jobStatus(jobs.ids.get('r-p3.pdf')!)) === 'completed', 'page 3 done')
    // A round trip to the server: time enough for a page 3 written out of order to reach the reader.
    await client.getJob(jobs.ids.get('r-p3.pdf')!)
    expect(events).toEqual(['page 1'])
    engine.gate.release('r-p2.pdf')
    await done

    expect(events).toEqual(['page 1', 'page 2', 'page 3', 'info'])
    // The same bytes as the merged result of convert(): pages joined by a blank line.
    engine.gate.open()
    const merged = await client.convert({ data: pdf, filename: 'r.pdf' }, { splitPages: true })
    expect(sink.text).toBe(merged.markdown)
    expect(sink.text).toBe(pages.map((page) => page.markdown).join('\n\n'))
    expect(info).toMatchObject({ jobId: pages[0]?.jobId, partial: false, reasoning: '' })
    expect(info?.pages?.map((page) => [page.pageNumber, page.totalPages, page.jobId])).toEqual(
      pages.map((page) => [page.pageNumber, 3, page.jobId]),
    )
    // `info` lists the ranges without their text, which went out as it came.
    expect(info?.pages?.some((page) => 'markdown' in page || 'reasoning' in page)).toBe(false)
    expect(info?.usage?.totalTokens).toBeGreaterThan(0)
  })

  it('puts pageSeparator between ranges, and each range’s reasoning before it when asked', async () => {
    const { client } = await setup()
    const pdf = await makePdf(['one', 'two', 'three', 'four'])
    const pages: PageResult[] = []
    const sink = collector()
    await pipeline(
      Readable.from([Buffer.from(pdf)]),
      toMarkdown({
        client,
        filename: 'r.pdf',
        splitPages: true,
        pagesPerChunk: 2,
        pageSeparator: '\n\n---\n\n',
        includeReasoning: true,
        onPage: (page) => pages.push(page),
      }),
      sink,
    )
    expect(pages.map((page) => [page.pageNumber, page.lastPageNumber])).toEqual([
      [1, 2],
      [3, 4],
    ])
    const rendered = pages.map((page) => `<!-- reasoning\n${page.reasoning}\n-->\n\n${page.markdown}`)
    expect(sink.text).toBe(rendered.join('\n\n---\n\n'))
    expect(sink.text).toContain('# r-p3-4.pdf')
  })

  it('a middle page that still fails errors the stream with PageRangeError, with nothing after it', async () => {
    const { client, engine } = await setup({ hold: laterPages, outcome: failPage2 })
    const jobs = jobsByFile()
    const transform = toMarkdown({ client, filename: 'r.pdf', splitPages: true, onProgress: jobs.onProgress })
    const sink = collector()
    const done = pipeline(Readable.from([Buffer.from(await makePdf(['a', 'b', 'c']))]), transform, sink)
    await eventually(() => sink.text !== '', 'the first page at the reader')
    const pageOne = sink.text
    await engine.gate.whenWaiting(2)
    engine.gate.release('r-p2.pdf')
    // Page 2 is converted again on its own, and fails again.
    await eventually(
      () => engine.gate.waiting.some((document) => document.filename === 'r-p2.pdf'),
      'the retry',
    )
    engine.gate.release('r-p2.pdf')

    const error = await done.catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(PageRangeError)
    expect(error).toMatchObject({ pageNumber: 2, lastPageNumber: 2, code: 'BadPage' })
    expect((error as Error).message).toMatch(/^page 2 of r\.pdf failed: .*page 2 is broken$/)
    expect(sink.text).toBe(pageOne)
    expect(pageOne.startsWith('# r-p1.pdf\n')).toBe(true)
    // Page 3, held, was cancelled on the server.
    await expectCancelled([jobs.ids.get('r-p3.pdf')!])
    await closed(transform)
  })

  it("onPageError: 'skip' writes a marker in place of the failed page, and the later pages after it", async () => {
    const { client } = await setup({ outcome: failPage2 })
    const pages: PageResult[] = []
    let info: MarkdownInfo | undefined
    const sink = collector()
    await pipeline(
      Readable.from([Buffer.from(await makePdf(['a', 'b', 'c']))]),
      toMarkdown({
        client,
        filename: 'r.pdf',
        splitPages: true,
        onPageError: 'skip',
        onPage: (page) => pages.push(page),
        onInfo: (details) => {
          info = details
        },
      }),
      sink,
    )
    const [first, second, third] = sink.text.split(/\n\n(?=# |<!--)/)
    expect(first?.startsWith('# r-p1.pdf\n')).toBe(true)
    expect(second).toMatch(/^<!-- numarkdown: page 2 of r\.pdf failed: .*page 2 is broken -->$/)
    expect(third?.startsWith('# r-p3.pdf\n')).toBe(true)
    expect(sink.text).toBe(pages.map((page) => page.markdown).join('\n\n'))
    expect(pages[1]?.error).toBeInstanceOf(PageRangeError)
    expect(info?.partial).toBe(true)
    expect(info?.failedPages?.map((failed) => [failed.pageNumber, failed.lastPageNumber])).toEqual([[2, 2]])
  })

  it('destroying the stream mid-document cancels every range still running on the server', async () => {
    const { client, engine, spoolDirectory, spoolFiles } = await setup({ hold: laterPages })
    const jobs = jobsByFile()
    const transform = toMarkdown({
      client,
      filename: 'r.pdf',
      splitPages: true,
      spoolThresholdBytes: 0,
      spoolDirectory,
      onProgress: jobs.onProgress,
    })
    const sink = collector()
    const done = pipeline(Readable.from([Buffer.from(await makePdf(['a', 'b', 'c', 'd']))]), transform, sink)
    await eventually(() => sink.text !== '', 'the first page at the reader')
    await engine.gate.whenWaiting(3)
    transform.destroy()
    await expect(done).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' })
    await closed(transform)
    await expectCancelled(['r-p2.pdf', 'r-p3.pdf', 'r-p4.pdf'].map((file) => jobs.ids.get(file)!))
    expect(await spoolFiles()).toEqual([])
    expect(sink.text.startsWith('# r-p1.pdf\n')).toBe(true)
    expect(sink.text).not.toContain('r-p2.pdf')
  })

  it('aborting the signal mid-document fails with AbortError and cancels the ranges still running', async () => {
    const { client, engine } = await setup({ hold: laterPages })
    const jobs = jobsByFile()
    const controller = new AbortController()
    const sink = collector()
    const done = pipeline(
      Readable.from([Buffer.from(await makePdf(['a', 'b', 'c']))]),
      toMarkdown({
        client,
        filename: 'r.pdf',
        splitPages: true,
        signal: controller.signal,
        onProgress: jobs.onProgress,
      }),
      sink,
    )
    await eventually(() => sink.text !== '', 'the first page at the reader')
    await engine.gate.whenWaiting(2)
    controller.abort()
    await expect(done).rejects.toMatchObject({ name: 'AbortError' })
    await expectCancelled(['r-p2.pdf', 'r-p3.pdf'].map((file) => jobs.ids.get(file)!))
  })

  it('takes the next page only once the reader has room', async () => {
    const { client } = await setup()
    const progress: ProgressEvent[] = []
    const pages: number[] = []
    const transform = toMarkdown({
      client,
      filename: 'r.pdf',
      splitPages: true,
      highWaterMark: 16,
      onProgress: (event) => progress.push(event),
      onPage: (page) => pages.push(page.pageNumber),
    })
    Readable.from([Buffer.from(await makePdf(['a', 'b', 'c']))]).pipe(transform)
    // Every page is converted, but nobody reads: only page 1 was taken.
    await eventually(() => progress.filter((event) => event.type === 'page-done').length === 3, 'pages done')
    await client.getJob(progress.find((event) => event.type === 'submitted')!.jobId!)
    expect(pages).toEqual([1])
    const sink = collector()
    await pipeline(transform, sink)
    expect(pages).toEqual([1, 2, 3])
    expect(sink.text.split('\n\n# ').length).toBe(3)
  })
})

describe('pages', () => {
  it('uploads only the pages asked for', async () => {
    const { client, engine, submits } = await setup()
    const pages: number[] = []
    const sink = collector()
    await pipeline(
      Readable.from([Buffer.from(await makePdf(['a', 'b', 'c', 'd']))]),
      toMarkdown({
        client,
        filename: 'r.pdf',
        splitPages: true,
        pages: '2,4-',
        onPage: (page) => pages.push(page.pageNumber),
      }),
      sink,
    )
    expect(pages).toEqual([2, 4])
    expect(submits()).toBe(2)
    expect(engine.calls.map((call) => call.document.filename).sort()).toEqual(['r-p2.pdf', 'r-p4.pdf'])
    expect(sink.text.startsWith('# r-p2.pdf\n')).toBe(true)
  })

  it('pages the document does not have: a ValidationError naming the document and its page count', async () => {
    const { client, submits } = await setup()
    for (const splitPages of [true, false]) {
      const failure = await pipeline(
        Readable.from([Buffer.from(await makePdf(['a', 'b', 'c']))]),
        toMarkdown({ client, filename: 'report.pdf', splitPages, pages: [2, 7] }),
        collector(),
      ).catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(ValidationError)
      expect(failure).toMatchObject({ parameter: 'pages' })
      expect((failure as Error).message).toBe(
        'report.pdf: pages [2,7]: the document has 3 pages; ask for pages 1 to 3',
      )
    }
    expect(submits()).toBe(0)
  })

  it('a malformed spec, or onPageError without splitPages, is refused when the stream is created', async () => {
    const { client } = await setup()
    expect(() => toMarkdown({ client, splitPages: true, pages: '1-x' })).toThrow(InvalidOptionError)
    expect(() => toMarkdownStream({ client, pages: '3-1' })).toThrow(
      /^pages: pages "3-1": the range 3-1 ends/,
    )
    expect(() => toMarkdown({ client, pages: 3 as never })).toThrow(
      /^pages: expected a string like '1-3,7,10-' or an array of page numbers, got 3$/,
    )
    expect(() => toMarkdown({ client, onPageError: 'skip' })).toThrow(
      /^onPageError: "skip" applies with splitPages: true only/,
    )
    expect(() => toMarkdown({ client, splitPages: true, onPageError: 'ignore' as never })).toThrow(
      /^onPageError: expected 'throw' or 'skip', got "ignore"$/,
    )
    expect(() => convertMany({ client, pages: [0] })).toThrow(/^pages: pages \[0\]: 0 is not a page number/)
  })
})

describe('toMarkdownStream({ splitPages: true })', () => {
  const source = (bytes: Uint8Array) => new Blob([Buffer.from(bytes)]).stream()

  it('gives page 1 to the reader while later pages still run, then the rest in order', async () => {
    const { client, engine, jobStatus } = await setup({ hold: laterPages })
    const pdf = await makePdf(['one', 'two', 'three'])
    const jobs = jobsByFile()
    const pages: number[] = []
    let info: MarkdownInfo | undefined
    const reader = source(pdf)
      .pipeThrough(
        toMarkdownStream({
          client,
          filename: 'r.pdf',
          splitPages: true,
          onProgress: jobs.onProgress,
          onPage: (page) => pages.push(page.pageNumber),
          onInfo: (details) => {
            info = details
          },
        }),
      )
      .getReader()
    const first = await reader.read()
    expect(first.value?.startsWith('# r-p1.pdf\n')).toBe(true)
    await engine.gate.whenWaiting(2)
    expect(await jobStatus(jobs.ids.get('r-p2.pdf')!)).toBe('running')
    expect(pages).toEqual([1])
    engine.gate.open()
    let text = first.value ?? ''
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += value
    }
    expect(pages).toEqual([1, 2, 3])
    const merged = await client.convert({ data: pdf, filename: 'r.pdf' }, { splitPages: true })
    expect(text).toBe(merged.markdown)
    expect(info?.pages).toHaveLength(3)
  })

  it('a failed middle page errors the output with PageRangeError; with skip a marker stands in its place', async () => {
    const { client } = await setup({ outcome: failPage2 })
    const pdf = await makePdf(['a', 'b', 'c'])
    const chunks: string[] = []
    const failure = await source(pdf)
      .pipeThrough(toMarkdownStream({ client, filename: 'r.pdf', splitPages: true }))
      .pipeTo(new WritableStream({ write: (chunk) => void chunks.push(chunk) }))
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(PageRangeError)
    expect(failure).toMatchObject({ pageNumber: 2 })
    expect(chunks.join('')).not.toContain('r-p3.pdf')

    let text = ''
    await source(pdf)
      .pipeThrough(toMarkdownStream({ client, filename: 'r.pdf', splitPages: true, onPageError: 'skip' }))
      .pipeTo(
        new WritableStream({
          write: (chunk) => {
            text += chunk
          },
        }),
      )
    expect(text).toMatch(
      /^# r-p1\.pdf\n[\s\S]*\n\n<!-- numarkdown: page 2 of r\.pdf failed: .*page 2 is broken -->\n\n# r-p3\.pdf\n/,
    )
  })

  it('cancelling the output mid-document cancels every range still running on the server', async () => {
    const { client, engine } = await setup({ hold: laterPages })
    const jobs = jobsByFile()
    const reader = source(await makePdf(['a', 'b', 'c']))
      .pipeThrough(
        toMarkdownStream({ client, filename: 'r.pdf', splitPages: true, onProgress: jobs.onProgress }),
      )
      .getReader()
    expect((await reader.read()).value?.startsWith('# r-p1.pdf\n')).toBe(true)
    await engine.gate.whenWaiting(2)
    await reader.cancel(new Error('not needed any more'))
    await expectCancelled(['r-p2.pdf', 'r-p3.pdf'].map((file) => jobs.ids.get(file)!))
  })
})

describe('convertMany with pages', () => {
  async function outcomesOf(stream: ReturnType<typeof convertMany>, items: unknown[]) {
    const outcomes: ConvertManyOutput[] = []
    await pipeline(Readable.from(items), stream, async (source: AsyncIterable<ConvertManyOutput>) => {
      for await (const outcome of source) outcomes.push(outcome)
    })
    return outcomes
  }

  it('passes pages, splitPages and onPageError to each conversion, per item too', async () => {
    const { client } = await setup({ outcome: failPage2 })
    const pdf = Buffer.from(await makePdf(['a', 'b', 'c']))
    const [skipped, chosen, tooFew] = await outcomesOf(
      convertMany({ client, splitPages: true, onPageError: 'skip' }),
      [
        { input: pdf, filename: 'a.pdf' },
        { input: pdf, filename: 'b.pdf', params: { pages: '3' } },
        { input: pdf, filename: 'c.pdf', params: { pages: '2-9' } },
      ],
    )
    expect(skipped?.ok && skipped.result.failedPages?.map((failed) => failed.pageNumber)).toEqual([2])
    expect(skipped?.ok && skipped.result.pages?.map((page) => page.pageNumber)).toEqual([1, 2, 3])
    expect(chosen?.ok && chosen.result.pages?.map((page) => page.pageNumber)).toEqual([3])
    expect(tooFew?.ok).toBe(false)
    const error = tooFew?.ok === false ? tooFew.error : undefined
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toBe(
      'c.pdf: pages "2-9": the document has 3 pages; ask for pages 1 to 3',
    )
  })

  it('names a path item in a pages failure, and refuses a bad item spec before converting it', async () => {
    const { client, submits } = await setup()
    const [outcome] = await outcomesOf(convertMany({ client, pages: '50' }), [corpusPath('multi_page.pdf')])
    expect(outcome?.ok).toBe(false)
    expect(outcome?.ok === false && (outcome.error as Error).message).toMatch(
      /\/multi_page\.pdf: pages "50": the document has \d+ pages/,
    )
    const failure = await outcomesOf(convertMany({ client }), [
      { input: Buffer.from('x'), params: { pages: 'one' } },
    ]).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(InvalidOptionError)
    expect((failure as Error).message).toMatch(/^item\.params\.pages: pages "one": /)
    const policy = await outcomesOf(convertMany({ client }), [
      { input: Buffer.from('x'), params: { onPageError: 'skip' } },
    ]).catch((error: unknown) => error)
    expect((policy as Error).message).toMatch(/^item\.params\.onPageError: "skip" applies with splitPages/)
    expect(submits()).toBe(0)
  })
})
