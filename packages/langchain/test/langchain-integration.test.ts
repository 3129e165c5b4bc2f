import { copyFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DirectoryLoader } from '@langchain/classic/document_loaders/fs/directory'
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory'
import { Document } from '@langchain/core/documents'
import { _HashedDocument, index } from '@langchain/core/indexing'
import { MarkdownTextSplitter } from '@langchain/textsplitters'
import { createClient, type NuMarkdownClient } from '@numarkdown/core'
import { type Engine, scriptedEngine } from '@numarkdown/server'
import { corpusPath, startTestServer, type TestServer, tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NuMarkdownLoader } from '../src/index.js'
import { MemoryRecordManager } from './support/memory-record-manager.js'
import { WordHashEmbeddings } from './support/word-hash-embeddings.js'

const fieldGuide = `# Field guide

## Mallard ducks

Mallard ducks migrate south in autumn and feed on pondweed in shallow wetlands.

## Espresso machines

An espresso machine forces hot water through finely ground coffee at nine bars of pressure.

## Lighthouse keeping

Lighthouse keepers polish the Fresnel lens and trim the lamp wick every evening.
`

const harbourNotes = `# Harbour notes

The harbour master logs every ferry departure and the tide tables for the week.
`

let server: TestServer
let client: NuMarkdownClient
let folder: { path: string; remove(): Promise<void> }

beforeAll(async () => {
  server = await startTestServer({ concurrency: 8 })
  client = createClient({ apiKey: server.token, baseUrl: server.url, concurrency: 8 })
  folder = await tempDir()
  await copyFile(corpusPath('multi_page.pdf'), join(folder.path, 'multi_page.pdf'))
  await copyFile(corpusPath('word_sample.docx'), join(folder.path, 'word_sample.docx'))
  await writeFile(join(folder.path, 'field-guide.md'), fieldGuide)
  await writeFile(join(folder.path, 'harbour.md'), harbourNotes)
  await writeFile(join(folder.path, 'ignored.bin'), 'not mapped')
})

afterAll(async () => {
  await server?.close()
  await client?.close()
  await folder?.remove()
})

const markdownFiles = (): string[] => [join(folder.path, 'field-guide.md'), join(folder.path, 'harbour.md')]

describe("LangChain's DirectoryLoader", () => {
  it('maps .pdf and .docx to NuMarkdownLoader, with paths as sources and PDF pages numbered', async () => {
    const loader = new DirectoryLoader(
      folder.path,
      {
        '.pdf': (path) => new NuMarkdownLoader(path, { client, splitPages: true }),
        '.docx': (path) => new NuMarkdownLoader(path, { client }),
      },
      true,
      'ignore',
    )
    const documents = await loader.load()
    const pdf = documents.filter(
      (document) => document.metadata.source === join(folder.path, 'multi_page.pdf'),
    )
    const docx = documents.filter(
      (document) => document.metadata.source === join(folder.path, 'word_sample.docx'),
    )
    expect(documents).toHaveLength(pdf.length + docx.length)
    expect(pdf.map((document) => document.metadata.loc?.pageNumber)).toEqual([1, 2, 3, 4, 5])
    expect(docx).toHaveLength(1)
    expect(docx[0]?.pageContent).toContain('word_sample.docx')
    expect(docx[0]?.metadata.numarkdown.jobId).toEqual(expect.any(String))
  })
})

describe('markdown text splitters', () => {
  it('keep the source, page number and conversion details on every chunk', async () => {
    const loader = new NuMarkdownLoader(join(folder.path, 'multi_page.pdf'), { client, splitPages: true })
    const chunks = await loader.loadAndSplit(new MarkdownTextSplitter({ chunkSize: 60, chunkOverlap: 0 }))
    expect(chunks.length).toBeGreaterThan(5)
    for (const chunk of chunks) {
      expect(chunk.metadata.source).toBe(join(folder.path, 'multi_page.pdf'))
      expect(chunk.metadata.loc.pageNumber).toBeGreaterThanOrEqual(1)
      expect(chunk.metadata.loc.lines.from).toBeGreaterThanOrEqual(1)
      expect(chunk.metadata.numarkdown.jobId).toEqual(expect.any(String))
    }
    expect(new Set(chunks.map((chunk) => chunk.metadata.loc.pageNumber))).toEqual(new Set([1, 2, 3, 4, 5]))
  })

  it('loadAndSplit() without a splitter uses a markdown splitter', async () => {
    const chunks = await new NuMarkdownLoader(Buffer.from(fieldGuide.repeat(40)), {
      client,
      sourceName: 'long-guide.md',
    }).loadAndSplit()
    expect(chunks.length).toBeGreaterThan(1)
    expect(chunks.every((chunk) => chunk.metadata.source === 'long-guide.md')).toBe(true)
  })
})

describe('an offline RAG round trip', () => {
  it('retrieves the expected chunk of a converted document, with its source', async () => {
    const loader = new NuMarkdownLoader(markdownFiles(), { client })
    const chunks = await loader.loadAndSplit(new MarkdownTextSplitter({ chunkSize: 140, chunkOverlap: 0 }))
    const store = await MemoryVectorStore.fromDocuments(chunks, new WordHashEmbeddings())
    const [espresso] = await store.similaritySearch(
      'How many bars of pressure does an espresso machine use?',
      1,
    )
    expect(espresso?.pageContent).toContain('nine bars of pressure')
    expect(espresso?.metadata.source).toBe(join(folder.path, 'field-guide.md'))
    const [ferry] = await store.similaritySearch('Who logs the ferry departure?', 1)
    expect(ferry?.metadata.source).toBe(join(folder.path, 'harbour.md'))
  })
})

/**
 * Like the model, reads what a page shows and not the PDF's metadata: the page PDFs a split produces carry the time
 * they were made, which the scripted engine's summary (a SHA-256 of the bytes) would otherwise reflect.
 */
function pageReadingEngine(): Engine {
  const scripted = scriptedEngine()
  return {
    name: 'page-reading',
    async convert(document, params, signal) {
      const output = await scripted.convert(document, params, signal)
      if (document.contentType !== 'application/pdf') return output
      return { ...output, result: `# ${document.filename}\n\nThe text of this page.\n` }
    },
  }
}

describe("LangChain's index()", () => {
  let pagesServer: TestServer
  let pagesClient: NuMarkdownClient
  beforeAll(async () => {
    pagesServer = await startTestServer({ concurrency: 8, engine: pageReadingEngine() })
    pagesClient = createClient({ apiKey: pagesServer.token, baseUrl: pagesServer.url, concurrency: 8 })
  })
  afterAll(async () => {
    await pagesServer?.close()
    await pagesClient?.close()
  })

  it('adds nothing on a second run over the same files, though each run makes new jobs', async () => {
    const recordManager = new MemoryRecordManager()
    const vectorStore = new MemoryVectorStore(new WordHashEmbeddings())
    const jobsCreated = (): number =>
      pagesServer.server.requests.filter((entry) => entry.route === 'submit').length
    const run = () =>
      index({
        docsSource: new NuMarkdownLoader([...markdownFiles(), join(folder.path, 'multi_page.pdf')], {
          client: pagesClient,
          splitPages: true,
        }),
        recordManager,
        vectorStore,
        options: { cleanup: 'incremental', sourceIdKey: 'source' },
      })
    const jobsBefore = jobsCreated()
    const first = await run()
    const jobsOfOneRun = jobsCreated() - jobsBefore
    expect(first).toEqual({ numAdded: 7, numUpdated: 0, numDeleted: 0, numSkipped: 0 })
    const second = await run()
    expect(jobsCreated() - jobsBefore).toBe(2 * jobsOfOneRun)
    expect(second).toEqual({ numAdded: 0, numUpdated: 0, numDeleted: 0, numSkipped: 7 })
    expect(vectorStore.memoryVectors).toHaveLength(7)
  })

  it('adds nothing on a second run over the same split chunks', async () => {
    const recordManager = new MemoryRecordManager()
    const vectorStore = new MemoryVectorStore(new WordHashEmbeddings())
    const splitter = new MarkdownTextSplitter({ chunkSize: 140, chunkOverlap: 0 })
    const run = async () =>
      index({
        docsSource: await new NuMarkdownLoader(markdownFiles(), { client }).loadAndSplit(splitter),
        recordManager,
        vectorStore,
        options: { cleanup: 'incremental', sourceIdKey: 'source' },
      })
    const first = await run()
    expect(first.numAdded).toBeGreaterThan(2)
    const second = await run()
    expect(second).toEqual({ numAdded: 0, numUpdated: 0, numDeleted: 0, numSkipped: first.numAdded })
  })

  it('hashes the source but not the nested conversion details (the assumption the metadata shape rests on)', () => {
    const hash = (metadata: Record<string, unknown>) =>
      _HashedDocument.fromDocument(new Document({ pageContent: 'same text', metadata })).hash_
    const base = { source: 'a.pdf', loc: { pageNumber: 1 }, numarkdown: { jobId: 'job-1', partial: false } }
    expect(hash({ ...base, numarkdown: { jobId: 'job-2', partial: false } })).toBe(hash(base))
    expect(hash({ ...base, source: 'b.pdf' })).not.toBe(hash(base))
    // What the nesting avoids: the same job ID at the top level would change the hash on every run.
    expect(hash({ ...base, jobId: 'job-1' })).not.toBe(hash({ ...base, jobId: 'job-2' }))
  })
})
