import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { localEngine } from '@numarkdown/server'
import { listFiles, makePdf, startTestServer, type TestServer, tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './harness.js'

// The local engine reads a PDF's text layer, so the markdown shows which pages were converted.
let server: TestServer
let folder: { path: string; remove(): Promise<void> }

beforeAll(async () => {
  server = await startTestServer({ engine: localEngine() })
  folder = await tempDir('numarkdown-cli-')
  await writeFile(
    join(folder.path, 'book.pdf'),
    await makePdf(['Page one text', 'Page two text', 'Page three text', 'Page four text']),
  )
})
afterAll(async () => {
  await server.close()
  await folder.remove()
})

function submits(): number {
  return server.server.requests.filter((request) => request.route === 'submit').length
}

describe('--pages and --split-pages', () => {
  it('--pages uploads and converts only the pages asked for', async () => {
    const before = submits()
    const run = await runCli({ args: ['book.pdf', '--pages', '2-3'], cwd: folder.path, server })
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(run.stdout).toMatch(/Page two text[\s\S]*Page three text/)
    expect(run.stdout).not.toMatch(/Page one|Page four/)
    expect(submits() - before).toBe(1)
  })

  it('--split-pages converts each page as its own job; the JSON lines name the document own page numbers', async () => {
    const before = submits()
    const run = await runCli({
      args: ['book.pdf', '--pages', '1,3-', '--split-pages', '--json'],
      cwd: folder.path,
      server,
    })
    expect(run.code).toBe(0)
    const pages = run.stdout
      .trimEnd()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            input: string
            pageNumber: number
            lastPageNumber: number
            totalPages: number
            markdown: string
          },
      )
    expect(submits() - before).toBe(3)
    expect(pages.map((page) => [page.input, page.pageNumber, page.lastPageNumber, page.totalPages])).toEqual([
      ['book.pdf', 1, 1, 4],
      ['book.pdf', 3, 3, 4],
      ['book.pdf', 4, 4, 4],
    ])
    expect(pages.map((page) => page.markdown.trim())).toEqual([
      'Page one text',
      'Page three text',
      'Page four text',
    ])
  })

  it('pages past the end are one clear line naming the page count, and nothing is converted', async () => {
    const before = submits()
    const run = await runCli({
      args: ['book.pdf', '--pages', '3-9', '-o', 'out.md'],
      cwd: folder.path,
      server,
    })
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'numarkdown: book.pdf: --pages "3-9": the document has 4 pages; ask for pages 1 to 4\n',
    })
    expect(submits()).toBe(before)
    expect(await listFiles(folder.path)).toEqual(['book.pdf'])
  })

  it('--pages on a document that is not a PDF converts it whole, and says so', async () => {
    await writeFile(join(folder.path, 'note.txt'), 'A plain note')
    const run = await runCli({ args: ['note.txt', '--pages', '1'], cwd: folder.path, server })
    expect(run).toEqual({
      code: 0,
      stdout: 'A plain note\n',
      stderr: 'numarkdown: note.txt: --pages applies to PDFs only; converting the whole document\n',
    })
  })
})
