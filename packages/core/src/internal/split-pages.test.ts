import { createHash } from 'node:crypto'
import { makePdf } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors.js'
import { prepareUpload } from './input.js'
import { parsePageSpec } from './page-selection.js'
import { handleOf, type PageCut, planPages, planResume, planWait } from './split-pages.js'

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
const source = (bytes: Uint8Array, filename = 'report.pdf') =>
  prepareUpload(bytes, { filename, spoolStreams: false })
const plan = async (bytes: Uint8Array, cut: Partial<PageCut>) =>
  planPages(await source(bytes), { pagesPerChunk: 1, selection: undefined, ...cut })
const ranges = (planned: Awaited<ReturnType<typeof plan>>) =>
  planned.ranges.map((range) => [range.pageNumber, range.lastPageNumber])
const bytesOf = async (upload: { open(): AsyncIterable<Uint8Array> }) => {
  const parts: Uint8Array[] = []
  for await (const part of upload.open()) parts.push(part)
  return Buffer.concat(parts)
}
const pageCount = async (bytes: Uint8Array) => {
  const { PDFDocument } = await import('pdf-lib')
  return (await PDFDocument.load(bytes)).getPageCount()
}

describe('planPages', () => {
  it('plans page ranges of the size asked for, with the document identity', async () => {
    const pdf = await makePdf(['one', 'two', 'three'])
    const planned = await plan(pdf, { pagesPerChunk: 2 })
    expect(ranges(planned)).toEqual([
      [1, 2],
      [3, 3],
    ])
    expect(planned.totalPages).toBe(3)
    expect(planned.identity).toEqual({ sha256: sha256(pdf), size: pdf.byteLength })
  })

  it('cuts only the selected pages, starting a new range at each gap', async () => {
    const pdf = await makePdf(['1', '2', '3', '4', '5', '6', '7'])
    const planned = await plan(pdf, { pagesPerChunk: 2, selection: parsePageSpec('1-3,5,7-') })
    expect(ranges(planned)).toEqual([
      [1, 2],
      [3, 3],
      [5, 5],
      [7, 7],
    ])
    expect(planned.selectedPages).toBe(5)
    const first = await planned.upload!(planned.ranges[0]!)
    expect(first.filename).toBe('report-p1-2.pdf')
    expect(await pageCount(await bytesOf(first))).toBe(2)
  })

  it('puts every selected page in one PDF when pagesPerChunk is Infinity', async () => {
    const pdf = await makePdf(['1', '2', '3', '4'])
    const planned = await plan(pdf, { pagesPerChunk: Infinity, selection: parsePageSpec([4, 2]) })
    expect(planned.ranges).toHaveLength(1)
    const upload = await planned.upload!(planned.ranges[0]!, 'report.pdf')
    expect(upload.filename).toBe('report.pdf')
    expect(await pageCount(await bytesOf(upload))).toBe(2)
  })

  it('refuses pages past the end of the document, naming the spec and the page count', async () => {
    const pdf = await makePdf(['1', '2', '3'])
    const error = await plan(pdf, { selection: parsePageSpec('2-5') }).catch((caught) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.parameter).toBe('pages')
    expect(error.message).toContain('"2-5"')
    expect(error.message).toContain('3 pages')
  })

  it('gives the same bytes for the same document, so re-runs upload identical pages', async () => {
    const pdf = await makePdf(['one', 'two'])
    const cutAll = async () => {
      const planned = await plan(pdf, {})
      return Promise.all(
        planned.ranges.map(async (range) => sha256(await bytesOf(await planned.upload!(range)))),
      )
    }
    const first = await cutAll()
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    expect(await cutAll()).toEqual(first)
  })

  it('plans bytes that are not a PDF as one range covering the document, with a warning', async () => {
    const planned = await plan(new TextEncoder().encode('not a pdf'), {})
    expect(planned.totalPages).toBeUndefined()
    expect(ranges(planned)).toEqual([[1, 1]])
    expect(planned.warning).toContain('could not be split')
  })
})

describe('the page handle of a plan', () => {
  it('is plain JSON that plans the same ranges again, jobs included, for the same document only', async () => {
    const pdf = await makePdf(['1', '2', '3'])
    const planned = await plan(pdf, {})
    planned.ranges[1]!.jobId = 'job-2'
    const handle = JSON.parse(JSON.stringify(handleOf(planned)))
    expect(handle).toEqual({
      type: 'numarkdown.pages',
      version: 1,
      filename: 'report.pdf',
      document: { sha256: sha256(pdf), size: pdf.byteLength },
      totalPages: 3,
      ranges: [
        { pageNumber: 1, lastPageNumber: 1 },
        { pageNumber: 2, lastPageNumber: 2, jobId: 'job-2' },
        { pageNumber: 3, lastPageNumber: 3 },
      ],
    })
    const resumed = await planResume(await source(pdf), handle)
    expect(resumed.ranges.map((range) => range.jobId)).toEqual([undefined, 'job-2', undefined])

    const other = await makePdf(['1', '2', '4'])
    const error = await planResume(await source(other, 'other.pdf'), handle).catch((caught) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toContain('the handle belongs to report.pdf')
    expect(error.message).toContain('other.pdf is another document')
  })

  it('can be waited on alone only when every range has its job', async () => {
    const planned = await plan(await makePdf(['1', '2']), {})
    planned.ranges[0]!.jobId = 'job-1'
    expect(() => planWait(handleOf(planned))).toThrow(/page 2 of report\.pdf never got a job/)
    planned.ranges[1]!.jobId = 'job-2'
    expect(planWait(handleOf(planned)).ranges.map((range) => range.jobId)).toEqual(['job-1', 'job-2'])
  })
})
