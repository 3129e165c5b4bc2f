import { createHash } from 'node:crypto'
import { makePdf } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { splitPdf } from './split-pages.js'

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

describe('splitPdf', () => {
  it('splits a PDF into page ranges of the size asked for', async () => {
    const pdf = await makePdf(['one', 'two', 'three'])
    const chunks = await splitPdf(pdf, 2)
    expect(chunks?.map((chunk) => [chunk.firstPage, chunk.lastPage])).toEqual([
      [1, 2],
      [3, 3],
    ])
  })

  it('gives the same bytes for the same document, so re-runs upload identical pages', async () => {
    const pdf = await makePdf(['one', 'two'])
    const first = await splitPdf(pdf, 1)
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    const second = await splitPdf(pdf, 1)
    expect(second?.map((chunk) => sha256(chunk.bytes))).toEqual(first?.map((chunk) => sha256(chunk.bytes)))
  })

  it('returns undefined for bytes that are not a PDF', async () => {
    expect(await splitPdf(new TextEncoder().encode('not a pdf'), 1)).toBeUndefined()
  })
})
