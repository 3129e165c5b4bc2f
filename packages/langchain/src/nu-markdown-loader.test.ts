import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  AbortError,
  JobFailedError,
  JobTimeoutError,
  NuMarkdownClient,
  NuMarkdownError,
  PayloadTooLargeError,
  ValidationError,
} from '@numarkdown/core'
import type { Engine } from '@numarkdown/server'
import { scriptedEngine } from '@numarkdown/server'
import { corpusPath, createdJobs, makePdf, setup, type TestServer, tempDir } from '@numarkdown/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { NuMarkdownDocumentMetadata } from './document-metadata.js'
import { NuMarkdownLoader } from './nu-markdown-loader.js'
import { NuMarkdownLoaderError } from './nu-markdown-loader-error.js'

const sha256Prefix = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex').slice(0, 16)
const textBytes = (text: string): Uint8Array => new TextEncoder().encode(text)

/** Counts the conversions running on the server at once, whatever engine it wraps. */
function countingEngine(inner: Engine): Engine & { active: number; maxActive: number } {
  const counting = {
    name: 'counting',
    active: 0,
    maxActive: 0,
    async convert(...args: Parameters<Engine['convert']>) {
      counting.active++
      counting.maxActive = Math.max(counting.maxActive, counting.active)
      try {
        return await inner.convert(...args)
      } finally {
        counting.active--
      }
    },
  }
  return counting
}

let server: TestServer | undefined
const cleanups: Array<() => Promise<void>> = []

/** A fresh scripted server and a client of it for this test (both closed by `setup()` when it finishes). */
async function serve(options: Parameters<typeof setup>[1] = {}): Promise<NuMarkdownClient> {
  const started = await setup(
    NuMarkdownClient,
    { concurrency: 16, ...options },
    { concurrency: 16, retryDelay: { baseMs: 5, maxMs: 20 } },
  )
  server = started.server
  return started.client
}

async function scratch(): Promise<string> {
  const directory = await tempDir()
  cleanups.push(directory.remove)
  return directory.path
}

afterEach(async () => {
  server = undefined
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** Every job the server created, to check the job IDs in metadata are real. */
function jobsCreated(): Set<string> {
  return new Set(server === undefined ? [] : createdJobs(server))
}

describe('NuMarkdownLoader inputs', () => {
  it('loads a path, a file: URL, a Blob, a File, a Buffer and a Uint8Array, naming each source', async () => {
    const client = await serve()
    const folder = await scratch()
    const path = join(folder, 'notes.md')
    await writeFile(path, '# Notes\n\nFrom a path.\n')
    const urlPath = join(folder, 'url.md')
    await writeFile(urlPath, '# URL\n\nFrom a file URL.\n')

    const cases: Array<{ loader: NuMarkdownLoader; source: string; content: string }> = [
      { loader: new NuMarkdownLoader(path, { client }), source: path, content: '# Notes\n\nFrom a path.\n' },
      {
        loader: new NuMarkdownLoader(pathToFileURL(urlPath), { client }),
        source: urlPath,
        content: '# URL\n\nFrom a file URL.\n',
      },
      {
        loader: new NuMarkdownLoader(new Blob(['# Blob\n'], { type: 'text/markdown' }), {
          client,
          sourceName: 'memos/blob.md',
        }),
        source: 'memos/blob.md',
        content: '# Blob\n',
      },
      {
        loader: new NuMarkdownLoader(new File(['# File\n'], 'upload.md', { type: 'text/markdown' }), {
          client,
        }),
        source: 'upload.md',
        content: '# File\n',
      },
      {
        loader: new NuMarkdownLoader(Buffer.from('# Buffer\n'), { client, sourceName: 'buffer.md' }),
        source: 'buffer.md',
        content: '# Buffer\n',
      },
      {
        loader: new NuMarkdownLoader(textBytes('# Bytes\n'), { client, sourceName: 'bytes.md' }),
        source: 'bytes.md',
        content: '# Bytes\n',
      },
    ]
    for (const { loader, source, content } of cases) {
      const documents = await loader.load()
      expect(documents).toHaveLength(1)
      const [document] = documents
      expect(document?.pageContent).toBe(content)
      expect(document?.metadata.source).toBe(source)
      expect(document?.metadata.loc).toBeUndefined()
      expect(jobsCreated().has(document?.metadata.numarkdown.jobId as string)).toBe(true)
      expect(document?.metadata.numarkdown.partial).toBe(false)
      expect(document?.metadata.numarkdown.reasoning).toBeUndefined()
      // Plain JSON: what a vector store persists comes back equal.
      expect(JSON.parse(JSON.stringify(document?.metadata))).toEqual(document?.metadata)
    }
  })

  it('names a nameless Blob or buffer after its content, the same on every load', async () => {
    const client = await serve()
    const bytes = textBytes('%PDF-1.4 not really a pdf')
    const buffer = new NuMarkdownLoader(bytes, { client })
    const blob = new NuMarkdownLoader(new Blob([Buffer.from(bytes)]), { client })
    const first = await buffer.load()
    const second = await buffer.load()
    expect(first[0]?.metadata.source).toBe(`buffer-${sha256Prefix(bytes)}`)
    expect(second[0]?.metadata.source).toBe(first[0]?.metadata.source)
    expect(second[0]?.metadata.numarkdown.jobId).not.toBe(first[0]?.metadata.numarkdown.jobId)
    const [fromBlob] = await blob.load()
    expect(fromBlob?.metadata.source).toBe(`blob-${sha256Prefix(bytes)}`)
    expect(fromBlob?.metadata.source).not.toBe('blob')
  })

  it('names the inputs of an array with an array or a function, and keeps input order', async () => {
    const client = await serve()
    const inputs = ['a', 'b', 'c'].map((letter) => textBytes(`# ${letter}\n`))
    const byArray = await new NuMarkdownLoader(inputs, {
      client,
      sourceName: ['a.md', undefined, 'c.md'],
    }).load()
    expect(byArray.map((document) => document.metadata.source)).toEqual([
      'a.md',
      `buffer-${sha256Prefix(inputs[1] as Uint8Array)}`,
      'c.md',
    ])
    const byFunction = await new NuMarkdownLoader(inputs, {
      client,
      sourceName: (_input, index) => `part-${index}.md`,
    }).load()
    expect(byFunction.map((document) => [document.metadata.source, document.pageContent])).toEqual([
      ['part-0.md', '# a\n'],
      ['part-1.md', '# b\n'],
      ['part-2.md', '# c\n'],
    ])
  })

  it('puts the reasoning and usage under metadata.numarkdown', async () => {
    const client = await serve()
    const documents = await new NuMarkdownLoader(Buffer.from('# Reasoned\n'), {
      client,
      sourceName: 'reasoned.md',
      includeReasoning: true,
    }).load()
    expect(documents).toHaveLength(1)
    const metadata: NuMarkdownDocumentMetadata = (documents[0] as { metadata: NuMarkdownDocumentMetadata })
      .metadata
    const details = metadata.numarkdown
    expect(details.reasoning).toMatch(/^Read reasoned\.md/)
    expect(details.usage?.totalTokens).toBeGreaterThan(0)
    expect(Object.keys(metadata).sort()).toEqual(['numarkdown', 'source'])
  })
})

describe('NuMarkdownLoader pages', () => {
  it('gives one Document per page of the corpus multi-page PDF, numbered from 1', async () => {
    const client = await serve()
    const path = corpusPath('multi_page.pdf')
    const documents = await new NuMarkdownLoader(path, { client, splitPages: true }).load()
    expect(documents.map((document) => document.metadata.loc?.pageNumber)).toEqual([1, 2, 3, 4, 5])
    for (const document of documents) {
      expect(document.metadata.source).toBe(path)
      expect(jobsCreated().has(document.metadata.numarkdown.jobId)).toBe(true)
      expect(document.pageContent.length).toBeGreaterThan(0)
    }
    expect(new Set(documents.map((document) => document.metadata.numarkdown.jobId)).size).toBe(5)
  })

  it('keeps each page its own content, and gives a non-PDF one Document', async () => {
    const client = await serve()
    const pdf = await makePdf(['alpha', 'beta', 'gamma'])
    const pages = await new NuMarkdownLoader(pdf, {
      client,
      splitPages: true,
      sourceName: 'greek.pdf',
    }).load()
    expect(pages).toHaveLength(3)
    expect(new Set(pages.map((page) => page.pageContent)).size).toBe(3)
    const text = await new NuMarkdownLoader(Buffer.from('# Not a PDF\n'), {
      client,
      splitPages: true,
      sourceName: 'plain.md',
    }).load()
    expect(text).toHaveLength(1)
    expect(text[0]?.metadata.loc).toBeUndefined()
  })
})

describe('NuMarkdownLoader laziness and concurrency', () => {
  it('never has more than `concurrency` conversions in flight and yields in input order', async () => {
    const scripted = scriptedEngine({ hold: true })
    const engine = countingEngine(scripted)
    const client = await serve({ engine })
    const names = Array.from({ length: 6 }, (_, index) => `doc-${index}.md`)
    const loader = new NuMarkdownLoader(
      names.map((name) => textBytes(`# ${name}\n`)),
      { client, concurrency: 2, sourceName: names },
    )
    const yielded: string[] = []
    const consumer = (async () => {
      for await (const document of loader.lazyLoad()) yielded.push(document.metadata.source)
    })()

    const held = await scripted.gate.whenWaiting(2)
    expect(held.map((document) => document.filename).sort()).toEqual(['doc-0.md', 'doc-1.md'])
    // Finish the second first: its slot is refilled, but nothing can be yielded before doc-0.
    scripted.gate.release('doc-1.md')
    const refilled = await scripted.gate.whenWaiting(2)
    expect(refilled.map((document) => document.filename).sort()).toEqual(['doc-0.md', 'doc-2.md'])
    expect(yielded).toEqual([])
    // Then release whatever is held, newest first, until every document went through.
    let released = 0
    while (released < names.length - 1) {
      const waiting = await scripted.gate.whenWaiting(1)
      const newest = waiting[waiting.length - 1]?.filename as string
      released += scripted.gate.release(newest)
      expect(engine.active).toBeLessThanOrEqual(2)
    }
    await consumer
    expect(yielded).toEqual(names)
    expect(engine.maxActive).toBe(2)
  })

  it('yields the first document while the next one converts, and cancels it when the consumer stops', async () => {
    const scripted = scriptedEngine({ hold: (document) => document.filename !== 'first.md' })
    const client = await serve({ engine: scripted })
    const secondSubmitted = new Promise<void>((resolve) => {
      const unsubscribe = client.on((event) => {
        if (event.type === 'submitted' && event.filename === 'second.md') {
          unsubscribe()
          resolve()
        }
      })
    })
    const loader = new NuMarkdownLoader(
      [textBytes('# first\n'), textBytes('# second\n'), textBytes('# third\n')],
      {
        client,
        concurrency: 1,
        sourceName: ['first.md', 'second.md', 'third.md'],
      },
    )
    const iterator = loader.lazyLoad()
    const first = await iterator.next()
    expect(first.value?.metadata.source).toBe('first.md')
    // Converting goes on while the consumer holds the first document: the second is running, the third waits.
    const [held] = await Promise.all([scripted.gate.whenWaiting(1), secondSubmitted])
    expect(held.map((document) => document.filename)).toEqual(['second.md'])
    await iterator.return(undefined)
    // The held job was cancelled on the server, so the gate lets go of it; the third never started.
    await vi.waitFor(() => expect(scripted.gate.waiting).toHaveLength(0), { timeout: 10_000, interval: 20 })
    expect(scripted.calls.map((call) => call.document.filename)).toEqual(['first.md', 'second.md'])
    expect(server?.server.requests.filter((entry) => entry.route === 'cancel')).toHaveLength(1)
  })

  it('stops on the signal with an AbortError, whatever the error policy', async () => {
    const scripted = scriptedEngine({ hold: true })
    const client = await serve({ engine: scripted })
    const controller = new AbortController()
    const loader = new NuMarkdownLoader([textBytes('# one\n'), textBytes('# two\n')], {
      client,
      signal: controller.signal,
      onError: 'skip',
      sourceName: ['one.md', 'two.md'],
    })
    // Abort once the client knows both job IDs, so that it can cancel both.
    const submitted = new Promise<void>((resolve) => {
      let count = 0
      const unsubscribe = client.on((event) => {
        if (event.type === 'submitted' && ++count === 2) {
          unsubscribe()
          resolve()
        }
      })
    })
    const loading = loader.load()
    await Promise.all([scripted.gate.whenWaiting(2), submitted])
    controller.abort()
    const error = await loading.catch((caught: unknown) => caught)
    expect(AbortError.isInstance(error)).toBe(true)
    // Both held jobs were cancelled on the server, so the gate lets go of them.
    await vi.waitFor(() => expect(scripted.gate.waiting).toHaveLength(0), { timeout: 10_000, interval: 20 })
  })
})

describe('NuMarkdownLoader error policies', () => {
  const failing = () =>
    scriptedEngine({
      outcome: (document) =>
        document.filename === 'bad.md'
          ? { type: 'fail', code: 'Corrupt', message: 'Unreadable page 2' }
          : 'complete',
    })
  const inputs = [textBytes('# good one\n'), textBytes('# bad\n'), textBytes('# good two\n')]
  const sourceName = ['good-1.md', 'bad.md', 'good-2.md']

  it("'throw' rejects with an error naming the source, job, code and the server's message", async () => {
    const client = await serve({ engine: failing() })
    const error = await new NuMarkdownLoader(inputs, { client, sourceName })
      .load()
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(NuMarkdownLoaderError)
    expect(error).toBeInstanceOf(NuMarkdownError)
    const failure = error as NuMarkdownLoaderError
    expect(failure.source).toBe('bad.md')
    expect(failure.code).toBe('Corrupt')
    expect(failure.serverMessage).toBe('Unreadable page 2')
    expect(failure.message).toContain('bad.md')
    expect(jobsCreated().has(failure.jobId as string)).toBe(true)
    expect(JobFailedError.isInstance(failure.cause)).toBe(true)
    expect(failure.toJSON()).toMatchObject({ source: 'bad.md', jobId: failure.jobId, code: 'Corrupt' })
  })

  it("'throw' during lazy loading yields the documents before the failure first", async () => {
    const client = await serve({ engine: failing() })
    const seen: string[] = []
    const iterate = async () => {
      for await (const document of new NuMarkdownLoader(inputs, { client, sourceName }).lazyLoad()) {
        seen.push(document.metadata.source)
      }
    }
    await expect(iterate()).rejects.toThrow(/"bad.md"/)
    expect(seen).toEqual(['good-1.md'])
  })

  it('marks a partial result in the metadata', async () => {
    const client = await serve({ engine: scriptedEngine({ outcome: 'partial' }) })
    const [document] = await new NuMarkdownLoader(Buffer.from('# Half\n'), {
      client,
      sourceName: 'half.md',
    }).load()
    expect(document?.pageContent).toBe('# Half\n')
    expect(document?.metadata.numarkdown.partial).toBe(true)
  })

  it("'skip' leaves the failed document out and records nothing", async () => {
    const client = await serve({ engine: failing() })
    const loader = new NuMarkdownLoader(inputs, { client, sourceName, onError: 'skip' })
    const documents = await loader.load()
    expect(documents.map((document) => document.metadata.source)).toEqual(['good-1.md', 'good-2.md'])
    expect(loader.errors).toEqual([])
  })

  it("'collect' leaves the failed documents out and lists their errors, the HTTP status included", async () => {
    const client = await serve({ engine: failing(), maxUploadBytes: 4096 })
    const large = new Uint8Array(8192).fill(65)
    const folder = await scratch()
    const missing = join(folder, 'missing.pdf')
    const loader = new NuMarkdownLoader([...inputs, large, missing], {
      client,
      sourceName: [...sourceName, 'large.md', undefined],
      onError: 'collect',
    })
    const documents = await loader.load()
    expect(documents.map((document) => document.metadata.source)).toEqual(['good-1.md', 'good-2.md'])
    expect(loader.errors.map((error) => error.source)).toEqual(['bad.md', 'large.md', missing])
    const [failed, tooLarge, notFound] = loader.errors
    expect(failed?.serverMessage).toBe('Unreadable page 2')
    expect(tooLarge?.status).toBe(413)
    expect(PayloadTooLargeError.isInstance(tooLarge?.cause)).toBe(true)
    expect(tooLarge?.serverMessage).toMatch(/^(?!413).*4096/)
    expect(notFound?.message).toContain(missing)
    // A new load starts a new list.
    await loader.load()
    expect(loader.errors).toHaveLength(3)
  })

  it('passes the conversion parameters: a job past its server-side timeout is collected as such', async () => {
    const engine = scriptedEngine({
      outcome: (document) => (document.filename === 'slow.md' ? 'hang' : 'complete'),
    })
    const client = await serve({ engine })
    const loader = new NuMarkdownLoader([textBytes('# slow\n'), textBytes('# quick\n')], {
      client,
      sourceName: ['slow.md', 'quick.md'],
      onError: 'collect',
      timeout: '1s',
      rasterizationDpi: 120,
    })
    const documents = await loader.load()
    expect(documents.map((document) => document.metadata.source)).toEqual(['quick.md'])
    expect(engine.calls.map((call) => call.params.rasterizationDPI)).toEqual([120, 120])
    const [timedOut] = loader.errors
    expect(timedOut?.source).toBe('slow.md')
    expect(JobTimeoutError.isInstance(timedOut?.cause)).toBe(true)
    expect(jobsCreated().has(timedOut?.jobId as string)).toBe(true)
  })

  it('stops at a wrong token even when collecting, since every document would fail alike', async () => {
    await serve()
    const loader = new NuMarkdownLoader([textBytes('# a\n'), textBytes('# b\n')], {
      apiKey: 'not-the-right-token-0123',
      baseUrl: server?.url as string,
      sourceName: ['a.md', 'b.md'],
      onError: 'collect',
    })
    const error = await loader.load().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(NuMarkdownLoaderError)
    expect((error as NuMarkdownLoaderError).status).toBe(401)
    expect(String((error as Error).message)).not.toContain('not-the-right-token-0123')
  })
})

describe('NuMarkdownLoader client ownership', () => {
  const names = ['NUMIND_API_KEY', 'NUMARKDOWN_BASE_URL'] as const
  const saved = names.map((name) => process.env[name])
  beforeEach(() => {
    for (const name of names) delete process.env[name]
  })
  afterEach(() => {
    for (const [index, name] of names.entries()) {
      const value = saved[index]
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })

  it('refuses to be built without a client, a token or NUMIND_API_KEY', () => {
    const build = () => new NuMarkdownLoader('a.pdf', { baseUrl: 'http://127.0.0.1:9' })
    expect(build).toThrow(ValidationError)
    expect(build).toThrow(/NUMIND_API_KEY/)
  })

  it('creates a client from the environment and closes it when loading ends', async () => {
    await serve()
    const sockets = new Set<import('node:net').Socket>()
    server?.server.server.on('connection', (socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    process.env.NUMIND_API_KEY = server?.token
    process.env.NUMARKDOWN_BASE_URL = server?.url
    const documents = await new NuMarkdownLoader(Buffer.from('# env\n'), { sourceName: 'env.md' }).load()
    expect(documents[0]?.pageContent).toBe('# env\n')
    // An idle client would keep its keep-alive connections for seconds; a closed one has none.
    await vi.waitFor(() => expect(sockets.size).toBe(0), { timeout: 2_000, interval: 10 })
  })
})

describe('NuMarkdownLoader options', () => {
  it.each([
    [{ concurrency: 0 }, 'concurrency', '0'],
    [{ concurrency: 1.5 }, 'concurrency', '1.5'],
    [{ onError: 'ignore' }, 'onError', '"ignore"'],
    [{ temperature: 3.4 }, 'temperature', '3.4'],
    [{ rasterizationDpi: 301 }, 'rasterizationDpi', '301'],
    [{ maxOutputTokens: -1 }, 'maxOutputTokens', '-1'],
    [{ timeout: '5 minutes' }, 'timeout', '"5 minutes"'],
    [{ splitPages: 'yes' }, 'splitPages', '"yes"'],
    [{ client: {} }, 'client', 'an object'],
  ])('rejects %o at construction, naming the value', (options, parameter, received) => {
    const build = () =>
      new NuMarkdownLoader('a.pdf', { apiKey: 'test-token-0123456789', ...options } as never)
    expect(build).toThrow(ValidationError)
    expect(build).toThrow(parameter)
    expect(build).toThrow(received)
  })

  it('refuses unknown keys, naming the closest known one, before any request', async () => {
    await serve()
    const build = (options: object) => () =>
      new NuMarkdownLoader('a.pdf', { apiKey: server?.token, baseUrl: server?.url, ...options } as never)
    expect(build({ onErorr: 'skip' })).toThrow(ValidationError)
    expect(build({ onErorr: 'skip' })).toThrow(
      'NuMarkdownLoader options: unknown option onErorr: did you mean onError?',
    )
    expect(build({ sourceNames: ['a.md'] })).toThrow('unknown option sourceNames: did you mean sourceName?')
    expect(build({ baseURL: 'http://127.0.0.1:9' })).toThrow('unknown option baseURL: did you mean baseUrl?')
    // The client it creates on each load is checked now, strict as well.
    expect(build({ clientOptions: { maxRetires: 1 } })).toThrow(
      'NuMarkdownClient options: unknown option maxRetires: did you mean maxRetries?',
    )
    expect(build({ apiKey: 'short' })).toThrow('The apiKey option is too short (5 characters)')
    expect(server?.server.requests).toHaveLength(0)
  })

  it('passes only what core knows on to convert() and to the client it creates', async () => {
    await serve()
    const loader = new NuMarkdownLoader([Buffer.from('# all options\n')], {
      apiKey: server?.token as string,
      baseUrl: server?.url as string,
      clientOptions: { maxRetries: 1, retryDelay: { baseMs: 5, maxMs: 10 } },
      sourceName: ['all.md'],
      splitPages: false,
      includeReasoning: true,
      onError: 'throw',
      concurrency: 2,
      signal: new AbortController().signal,
      timeoutMs: 30_000,
      temperature: 0,
      rasterizationDpi: 100,
      maxOutputTokens: 0,
      timeout: '1m',
    })
    const [document] = await loader.load()
    expect(document?.pageContent).toBe('# all options\n')
    expect(document?.metadata.source).toBe('all.md')
  })

  it('rejects inputs and source names it cannot use', () => {
    expect(() => new NuMarkdownLoader(42 as never)).toThrow(/input.*got 42/)
    expect(() => new NuMarkdownLoader(new URL('https://example.com/a.pdf'))).toThrow(/file: URL/)
    expect(
      () => new NuMarkdownLoader([Buffer.from('a'), Buffer.from('b')], { sourceName: 'one.md' }),
    ).toThrow(/sourceName/)
    expect(() => new NuMarkdownLoader([Buffer.from('a')], { sourceName: ['a.md', 'b.md'] })).toThrow(
      /sourceName/,
    )
    expect(
      () => new NuMarkdownLoader([Buffer.from('a'), Buffer.from('b')], { sourceName: () => 'same.md' }),
    ).toThrow(/"same.md"/)
    expect(() => new NuMarkdownLoader(Buffer.from('a'), { sourceName: '' })).toThrow(/non-empty/)
  })
})
