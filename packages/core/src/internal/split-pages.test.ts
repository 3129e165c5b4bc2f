import { createHash } from 'node:crypto'
import { makePdf } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors.js'
import { parsePageSpec } from './page-selection.js'
import { splitPdf } from './split-pages.js'

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
const ranges = (split: Awaited<ReturnType<typeof splitPdf>>) =>
  split?.chunks.map((chunk) => [chunk.firstPage, chunk.lastPage])

describe('splitPdf', () => {
  it('splits a PDF into page ranges of the size asked for', async () => {
    const pdf = await makePdf(['one', 'two', 'three'])
    const split = await splitPdf(pdf, { pagesPerChunk: 2 })
    expect(ranges(split)).toEqual([
      [1, 2],
      [3, 3],
    ])
    expect(split?.totalPages).toBe(3)
  })

  it('cuts only the selected pages, starting a new range at each gap', async () => {
    const pdf = await makePdf(['1', '2', '3', '4', '5', '6', '7'])
    const split = await splitPdf(pdf, { pagesPerChunk: 2, selection: parsePageSpec('1-3,5,7-') })
    expect(ranges(split)).toEqual([
      [1, 2],
      [3, 3],
      [5, 5],
      [7, 7],
    ])
    expect(split?.selectedPages).toEqual([1, 2, 3, 5, 7])
    const { PDFDocument } = await import('pdf-lib')
    expect((await PDFDocument.load(split!.chunks[0]!.bytes)).getPageCount()).toBe(2)
  })

  it('puts every selected page in one PDF when pagesPerChunk is Infinity', async () => {
    const pdf = await makePdf(['1', '2', '3', '4'])
    const split = await splitPdf(pdf, { pagesPerChunk: Infinity, selection: parsePageSpec([4, 2]) })
    expect(split?.chunks).toHaveLength(1)
    const { PDFDocument } = await import('pdf-lib')
    expect((await PDFDocument.load(split!.chunks[0]!.bytes)).getPageCount()).toBe(2)
  })

  it('refuses pages past the end of the document, naming the spec and the page count', async () => {
    const pdf = await makePdf(['1', '2', '3'])
    const error = await splitPdf(pdf, { pagesPerChunk: 1, selection: parsePageSpec('2-5') }).catch(
      (caught) => caught,
    )
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.parameter).toBe('pages')
    expect(error.message).toContain('"2-5"')
    expect(error.message).toContain('3 pages')
  })

  it('gives the same bytes for the same document, so re-runs upload identical pages', async () => {
    const pdf = await makePdf(['one', 'two'])
    const first = await splitPdf(pdf, { pagesPerChunk: 1 })
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    const second = await splitPdf(pdf, { pagesPerChunk: 1 })
    expect(second?.chunks.map((chunk) => sha256(chunk.bytes))).toEqual(
      first?.chunks.map((chunk) => sha256(chunk.bytes)),
    )
  })

  it('returns undefined for bytes that are not a PDF', async () => {
    expect(await splitPdf(new TextEncoder().encode('not a pdf'), { pagesPerChunk: 1 })).toBeUndefined()
  })
})
