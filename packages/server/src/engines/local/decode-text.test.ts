import { describe, expect, it } from 'vitest'
import { decodeText } from './decode-text.js'

describe('decodeText', () => {
  it('reads UTF-8, with or without a byte-order mark', () => {
    expect(decodeText(Buffer.from('\uFEFFcafé', 'utf8'), 'text')).toEqual({ text: 'café', encoding: 'utf-8' })
    expect(decodeText(Buffer.from('naïve', 'utf8'), 'text').text).toBe('naïve')
  })

  it('follows a UTF-16 byte-order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hé', 'utf16le')])
    expect(decodeText(bytes, 'text')).toEqual({ text: 'hé', encoding: 'utf-16le' })
  })

  it('uses the charset an HTML page declares when it is not UTF-8', () => {
    const html = Buffer.concat([
      Buffer.from('<html><head><meta charset="iso-8859-7"></head><body>'),
      Buffer.from([0xe1, 0xe2]),
      Buffer.from('</body></html>'),
    ])
    const decoded = decodeText(html, 'html')
    expect(decoded.encoding).toBe('iso-8859-7')
    expect(decoded.text).toContain('αβ')
  })

  it('falls back to windows-1252', () => {
    expect(decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x80]), 'text')).toEqual({
      text: 'café €',
      encoding: 'windows-1252',
    })
  })
})
