import { describe, expect, it } from 'vitest'
import { prepareUpload } from './input.js'
import { multipartBody } from './multipart.js'

/** The part header a browser sends for `filename` (undici's FormData implements the HTML form encoding). */
async function browserHeader(filename: string): Promise<string> {
  const form = new FormData()
  form.append('file', new Blob(['x'], { type: 'text/plain' }), filename)
  const body = Buffer.from(await new Response(form).arrayBuffer()).toString('latin1')
  return body.split('\r\n')[1]!
}

async function ourHeader(filename: string): Promise<string> {
  const source = await prepareUpload(Buffer.from('x'), {
    filename,
    contentType: 'text/plain',
    spoolStreams: false,
  })
  const chunks: Uint8Array[] = []
  for await (const chunk of multipartBody(source).stream()) chunks.push(chunk)
  return Buffer.concat(chunks).toString('latin1').split('\r\n')[1]!
}

describe('multipartBody', () => {
  it('encodes filenames as browsers do: UTF-8 bytes, with " CR LF as %22 %0D %0A', async () => {
    for (const filename of [
      'résumé 1.txt',
      '日本語の文書.pdf',
      '"quoted".txt',
      '  padded  .txt',
      'two\nlines.txt',
      'carriage\r\nreturn.txt',
      'percent %22.txt',
      'emoji 📄.txt',
    ]) {
      expect(await ourHeader(filename)).toBe(await browserHeader(filename))
    }
    expect(await ourHeader('a"b\r\nc.txt')).toBe(
      'Content-Disposition: form-data; name="file"; filename="a%22b%0D%0Ac.txt"',
    )
  })
})
