import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { EngineError } from '../../engine-error.js'
import { makeLayoutPdf } from '../local/test-documents.js'
import { PageRenderer } from './page-renderer.js'

let folder: string
let renderer: PageRenderer | undefined

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'numarkdown-page-renderer-'))
})
afterEach(async () => {
  await renderer?.close()
  renderer = undefined
})
afterAll(async () => {
  await rm(folder, { recursive: true, force: true })
})

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(folder, name)
  await writeFile(path, content)
  return path
}

describe('PageRenderer', () => {
  it('renders a page and counts pages for the OpenAI-compatible engine', async () => {
    renderer = new PageRenderer(1)
    const path = await file('render.pdf', await makeLayoutPdf())
    expect(await renderer.pageCount(path)).toBe(3)
    const page = await renderer.renderPage(path, { page: 2, dpi: 72, signal: new AbortController().signal })
    expect(Buffer.isBuffer(page.png)).toBe(true)
    expect(page.png.subarray(1, 4).toString()).toBe('PNG')
    expect(page).toMatchObject({ width: 595, height: 842, blank: false })
    expect(renderer.threads).toBeGreaterThanOrEqual(1)
  })

  it('renders on the main thread with 0 threads', async () => {
    renderer = new PageRenderer(0)
    const path = await file('main.pdf', await makeLayoutPdf())
    const page = await renderer.renderPage(path, { page: 1, dpi: 72, signal: new AbortController().signal })
    expect(page).toMatchObject({ width: 595, height: 842, blank: false })
    expect(renderer.threads).toBe(0)
  })

  it('keeps the code of a failure raised in a thread', async () => {
    renderer = new PageRenderer(1)
    const error = await renderer
      .pageCount(await file('broken.pdf', '%PDF-1.7\nnot really a PDF'))
      .catch((reason: unknown) => reason)
    expect(error).toBeInstanceOf(EngineError)
    expect((error as EngineError).code).toBe('InvalidDocument')
  })
})
