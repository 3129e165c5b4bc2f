import { Document } from '@langchain/core/documents'
import { MarkdownTextSplitter } from '@langchain/textsplitters'
import {
  AbortError,
  NuMarkdownClient,
  PageRangeError,
  type ProgressEvent,
  ValidationError,
} from '@numarkdown/core'
import { type ScriptedEngineOptions, scriptedEngine } from '@numarkdown/server'
import { eventually, makePdf, setup, type TestServer } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import type { NuMarkdownDocumentMetadata } from './document-metadata.js'
import { NuMarkdownLoader } from './nu-markdown-loader.js'
import { NuMarkdownLoaderError } from './nu-markdown-loader-error.js'

/** The scripted engine's range files are named `<stem>-p<page>.pdf`. */
const isPage = (page: number) => (document: { filename: string }) =>
  document.filename.endsWith(`-p${page}.pdf`)
const laterPages = (document: { filename: string }) => !isPage(1)(document)
const failPage2 = (document: { filename: string }) =>
  isPage(2)(document) ? { type: 'fail' as const, code: 'BadPage', message: 'page 2 is broken' } : 'complete'

/** A scripted server, a client of it (both closed by `setup()` when the test ends) and job IDs by range file. */
async function serve(engineOptions: ScriptedEngineOptions = {}) {
  const engine = scriptedEngine(engineOptions)
  const { client, server } = await setup(
    NuMarkdownClient,
    { engine, concurrency: 16 },
    { concurrency: 16, retryDelay: { baseMs: 5, maxMs: 20 } },
  )
  const jobs = new Map<string, string>()
  client.on((event: ProgressEvent) => {
    if (event.type === 'submitted') jobs.set(event.filename, event.jobId)
  })
  const status = async (file: string) => (await client.getJob(jobs.get(file)!)).status
  return { engine, client, server, jobs, status }
}

async function expectCancelled(status: (file: string) => Promise<string>, files: string[]): Promise<void> {
  for (const file of files) {
    await eventually(async () => (await status(file)) === 'cancelled', `${file} to be cancelled`)
  }
}

const submits = (server: TestServer) => server.server.requests.filter((entry) => entry.route === 'submit')

describe('NuMarkdownLoader page by page', () => {
  it('lazyLoad() yields page 1 while later pages still run on the server, then each page in order', async () => {
    const { engine, client, status } = await serve({ hold: laterPages })
    const pdf = await makePdf(['alpha', 'beta', 'gamma'])
    const loader = new NuMarkdownLoader(pdf, { client, splitPages: true, sourceName: 'greek.pdf' })
    const iterator = loader.lazyLoad()

    const first = (await iterator.next()).value as Document<NuMarkdownDocumentMetadata>
    expect(first).toBeInstanceOf(Document)
    expect(first.pageContent.startsWith('# greek-p1.pdf\n')).toBe(true)
    expect(first.metadata).toMatchObject({
      source: 'greek.pdf',
      loc: { pageNumber: 1 },
      pdf: { totalPages: 3 },
      numarkdown: { partial: false },
    })
    expect(first.metadata.numarkdown.usage?.totalTokens).toBeGreaterThan(0)
    // Pages 2 and 3 are held by the engine: their jobs are running on the server now.
    await engine.gate.whenWaiting(2)
    expect(await status('greek-p2.pdf')).toBe('running')
    expect(await status('greek-p3.pdf')).toBe('running')

    // Page 3 done before page 2: it waits for page 2.
    engine.gate.release('greek-p3.pdf')
    await eventually(async () => (await status('greek-p3.pdf')) === 'completed', 'page 3 done')
    let yielded = false
    const second = iterator.next().then((step) => {
      yielded = true
      return step
    })
    await status('greek-p3.pdf')
    expect(yielded).toBe(false)
    engine.gate.release('greek-p2.pdf')
    const rest = [
      (await second).value,
      (await iterator.next()).value,
    ] as Document<NuMarkdownDocumentMetadata>[]
    expect(rest.map((document) => document.metadata.loc?.pageNumber)).toEqual([2, 3])
    expect(rest[1]?.pageContent.startsWith('# greek-p3.pdf\n')).toBe(true)
    expect((await iterator.next()).done).toBe(true)

    // load() gives the same Documents.
    engine.gate.open()
    const loaded = await loader.load()
    const shape = (document: Document<NuMarkdownDocumentMetadata>) => [
      document.pageContent,
      document.metadata.source,
      document.metadata.loc,
      document.metadata.pdf,
    ]
    expect(loaded.map(shape)).toEqual([first, ...rest].map(shape))
    // Metadata stays plain JSON, and LangChain's splitters keep it on every chunk.
    expect(JSON.parse(JSON.stringify(loaded[0]?.metadata))).toEqual(loaded[0]?.metadata)
    const chunks = await new MarkdownTextSplitter({ chunkSize: 60, chunkOverlap: 0 }).splitDocuments(loaded)
    expect(
      chunks.every((chunk) => chunk.metadata.pdf.totalPages === 3 && chunk.metadata.loc.pageNumber),
    ).toBe(true)
  })

  it('keeps input order across documents: the second PDF’s pages after the first’s', async () => {
    const { client } = await serve()
    const documents = await new NuMarkdownLoader(
      [await makePdf(['a', 'b']), await makePdf(['c', 'd', 'e'])],
      {
        client,
        splitPages: true,
        concurrency: 2,
        sourceName: ['one.pdf', 'two.pdf'],
      },
    ).load()
    expect(
      documents.map((document) => `${document.metadata.source}#${document.metadata.loc?.pageNumber}`),
    ).toEqual(['one.pdf#1', 'one.pdf#2', 'two.pdf#1', 'two.pdf#2', 'two.pdf#3'])
  })

  it("a middle page that still fails: 'throw' yields the pages before it, then the document's error", async () => {
    const { engine, client, status } = await serve({ hold: laterPages, outcome: failPage2 })
    const loader = new NuMarkdownLoader(await makePdf(['a', 'b', 'c']), {
      client,
      splitPages: true,
      sourceName: 'r.pdf',
    })
    const pages: number[] = []
    const error = await (async () => {
      for await (const document of loader.lazyLoad()) {
        pages.push(document.metadata.loc?.pageNumber ?? 0)
        await engine.gate.whenWaiting(2)
        engine.gate.release('r-p2.pdf')
        // Page 2 is converted again on its own, and fails again.
        await eventually(() => engine.gate.waiting.some((document) => document.filename === 'r-p2.pdf'))
        engine.gate.release('r-p2.pdf')
      }
    })().catch((caught: unknown) => caught)
    expect(pages).toEqual([1])
    expect(error).toBeInstanceOf(NuMarkdownLoaderError)
    expect(error).toMatchObject({ source: 'r.pdf', code: 'BadPage' })
    const cause = (error as NuMarkdownLoaderError).cause
    expect(cause).toBeInstanceOf(PageRangeError)
    expect(cause).toMatchObject({ pageNumber: 2, lastPageNumber: 2 })
    // Page 3, held, was cancelled on the server.
    await expectCancelled(status, ['r-p3.pdf'])
  })

  it("onPageError: 'skip' gives a marker Document for the failed page, and the later pages", async () => {
    const { client } = await serve({ outcome: failPage2 })
    const documents = await new NuMarkdownLoader(await makePdf(['a', 'b', 'c']), {
      client,
      splitPages: true,
      onPageError: 'skip',
      sourceName: 'r.pdf',
    }).load()
    expect(documents.map((document) => document.metadata.loc?.pageNumber)).toEqual([1, 2, 3])
    const [first, failed, third] = documents
    expect(first?.pageContent.startsWith('# r-p1.pdf\n')).toBe(true)
    expect(failed?.pageContent).toMatch(/^<!-- numarkdown: page 2 of r\.pdf failed: .*page 2 is broken -->$/)
    expect(failed?.metadata.numarkdown).toMatchObject({
      partial: true,
      error: expect.stringMatching(/^page 2 of r\.pdf failed: /),
    })
    expect(third?.pageContent.startsWith('# r-p3.pdf\n')).toBe(true)
    expect(third?.metadata.numarkdown.error).toBeUndefined()
  })

  it('an abort mid-document throws AbortError and cancels every page still running on the server', async () => {
    const { engine, client, status } = await serve({ hold: laterPages })
    const controller = new AbortController()
    const loader = new NuMarkdownLoader(await makePdf(['a', 'b', 'c']), {
      client,
      splitPages: true,
      sourceName: 'r.pdf',
      signal: controller.signal,
    })
    const pages: number[] = []
    const error = await (async () => {
      for await (const document of loader.lazyLoad()) {
        pages.push(document.metadata.loc?.pageNumber ?? 0)
        await engine.gate.whenWaiting(2)
        controller.abort()
      }
    })().catch((caught: unknown) => caught)
    expect(pages).toEqual([1])
    expect(AbortError.isInstance(error)).toBe(true)
    await expectCancelled(status, ['r-p2.pdf', 'r-p3.pdf'])
  })

  it('stopping the iteration mid-document cancels every page still running on the server', async () => {
    const { engine, client, status } = await serve({ hold: laterPages })
    const iterator = new NuMarkdownLoader(await makePdf(['a', 'b', 'c']), {
      client,
      splitPages: true,
      sourceName: 'r.pdf',
    }).lazyLoad()
    expect((await iterator.next()).value?.metadata.loc?.pageNumber).toBe(1)
    await engine.gate.whenWaiting(2)
    await iterator.return(undefined)
    await expectCancelled(status, ['r-p2.pdf', 'r-p3.pdf'])
  })
})

describe('NuMarkdownLoader pages option', () => {
  it('uploads only the pages asked for, with or without splitPages', async () => {
    const { engine, client, server } = await serve()
    const pdf = await makePdf(['a', 'b', 'c', 'd'])
    const split = await new NuMarkdownLoader(pdf, {
      client,
      splitPages: true,
      pages: '2,4-',
      sourceName: 'r.pdf',
    }).load()
    expect(split.map((document) => document.metadata.loc?.pageNumber)).toEqual([2, 4])
    expect(engine.calls.map((call) => call.document.filename).sort()).toEqual(['r-p2.pdf', 'r-p4.pdf'])
    const whole = await new NuMarkdownLoader(pdf, { client, pages: [1, 3], sourceName: 'r.pdf' }).load()
    expect(whole).toHaveLength(1)
    expect(submits(server)).toHaveLength(3)
  })

  it('pages a document does not have are its failure, naming the source and the page count', async () => {
    const { client, server } = await serve()
    const loader = new NuMarkdownLoader(await makePdf(['a', 'b']), {
      client,
      splitPages: true,
      pages: '2-5',
      sourceName: 'short.pdf',
      onError: 'collect',
    })
    expect(await loader.load()).toEqual([])
    expect(loader.errors).toHaveLength(1)
    expect(loader.errors[0]?.message).toBe(
      'Could not convert "short.pdf": pages "2-5": the document has 2 pages; ask for pages 1 to 2',
    )
    expect(loader.errors[0]?.cause).toBeInstanceOf(ValidationError)
    expect(submits(server)).toHaveLength(0)
  })

  it('refuses a malformed spec, and onPageError without splitPages, when the loader is built', async () => {
    const { client } = await serve()
    expect(() => new NuMarkdownLoader('a.pdf', { client, pages: '1-x' })).toThrow(ValidationError)
    expect(() => new NuMarkdownLoader('a.pdf', { client, pages: '1-x' })).toThrow(
      /^NuMarkdownLoader: pages "1-x": "1-x" is not a page or a range/,
    )
    expect(() => new NuMarkdownLoader('a.pdf', { client, pages: 2 as never })).toThrow(/pages/)
    expect(() => new NuMarkdownLoader('a.pdf', { client, onPageError: 'skip' })).toThrow(
      /onPageError to be left out without splitPages: true/,
    )
    expect(
      () => new NuMarkdownLoader('a.pdf', { client, splitPages: true, onPageError: 'ignore' as never }),
    ).toThrow(/expected onPageError to be 'throw' or 'skip', got "ignore"/)
    // Without a client too: the spec is checked when the loader is built, not when it loads.
    expect(
      () =>
        new NuMarkdownLoader('a.pdf', {
          apiKey: 'numarkdown-test-token',
          baseUrl: 'http://127.0.0.1:9',
          pages: '0',
        }),
    ).toThrow(/^NuMarkdownLoader: pages "0": pages count from 1$/)
  })
})
