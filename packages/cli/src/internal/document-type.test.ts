import { makePdf } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { detectDocumentType } from './document-type.js'

describe('document type', () => {
  it('knows documents by their bytes, whatever their name', async () => {
    const pdf = await makePdf(['x'])
    expect(await detectDocumentType(pdf, 'scan.dat')).toEqual({
      contentType: 'application/pdf',
      extension: 'pdf',
    })
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex')
    expect(await detectDocumentType(png)).toEqual({ contentType: 'image/png', extension: 'png' })
  })

  it('takes text, named by its extension or recognised as HTML', async () => {
    expect(await detectDocumentType(Buffer.from('# Title'), 'notes.md')).toEqual({
      contentType: 'text/markdown',
      extension: 'md',
    })
    expect(await detectDocumentType(Buffer.from('<!DOCTYPE html><p>x</p>'))).toEqual({
      contentType: 'text/html',
      extension: 'html',
    })
    expect(await detectDocumentType(Buffer.from('plain'))).toEqual({
      contentType: 'text/plain',
      extension: 'txt',
    })
    // A head cut inside a multi-byte character is still text.
    expect(await detectDocumentType(Buffer.from('é').subarray(0, 1), 'cut.txt')).toMatchObject({
      contentType: 'text/plain',
    })
  })

  it('refuses binary data that is no document', async () => {
    expect(await detectDocumentType(Buffer.from([0, 1, 2, 3, 255, 254]), 'data.pdf')).toBeUndefined()
    expect(await detectDocumentType(Buffer.from('504b0304140000000000', 'hex'), 'a.zip')).toBeUndefined()
  })
})
