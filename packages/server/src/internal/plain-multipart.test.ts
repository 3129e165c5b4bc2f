import busboy from 'busboy'
import { describe, expect, it } from 'vitest'
import { type PlainFilePart, parsePlainMultipart, plainBoundary } from './plain-multipart.js'

const boundary = '----plain-boundary-7f3a'

/** What busboy, set up as the server sets it up, reads of `body`: its `file` part, or null when it refuses it. */
function readWithBusboy(body: Buffer, boundaryOfBody = boundary): Promise<PlainFilePart | null> {
  return new Promise((resolve) => {
    const parser = busboy({
      headers: { 'content-type': `multipart/form-data; boundary=${boundaryOfBody}` },
      defParamCharset: 'utf8',
      limits: { files: 1, fields: 32, fieldSize: 16 * 1024, parts: 33 },
    })
    let found: { filename: string; mimeType: string; chunks: Buffer[] } | undefined
    let failed = false
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || found) {
        stream.resume()
        return
      }
      const part = { filename: info.filename ?? '', mimeType: info.mimeType, chunks: [] as Buffer[] }
      found = part
      stream.on('data', (chunk: Buffer) => part.chunks.push(chunk))
      stream.on('error', () => {
        failed = true
      })
    })
    parser.on('error', () => {
      failed = true
    })
    parser.on('close', () => {
      resolve(
        failed || !found
          ? null
          : { filename: found.filename, mimeType: found.mimeType, content: Buffer.concat(found.chunks) },
      )
    })
    parser.end(body)
  })
}

function plainOf(part: PlainFilePart | undefined) {
  return part && { filename: part.filename, mimeType: part.mimeType, content: Buffer.from(part.content) }
}

const part = (headers: string, content: string) =>
  `--${boundary}\r\n${headers}\r\n\r\n${content}\r\n--${boundary}--\r\n`
const disposition = (filename: string) =>
  `Content-Disposition: form-data; name="file"; filename="${filename}"`

/** Bodies as clients of this API send them. */
const plainBodies: Record<string, string> = {
  'core and browsers': part(`${disposition('doc.md')}\r\nContent-Type: text/markdown`, '# Title\n\ntext'),
  'NuMind SDK': part(`${disposition('file')}\r\nContent-Type: application/octet-stream`, '%PDF-1.7 …'),
  'no content type': part(disposition('notes.txt'), 'plain text'),
  'lower-case headers, no spaces': part(
    'content-disposition: form-data;name="file";filename="a.md"\r\ncontent-type: Text/Markdown',
    'x',
  ),
  'empty file': part(disposition('empty.pdf'), ''),
  'a path for a name': part(disposition('../reports/2024/report.pdf'), 'bytes'),
  'a dot for a name': part(disposition('..'), 'bytes'),
  'escaped quote and line breaks': part(disposition('a%22b%0D%0Ac.md'), 'bytes'),
  'content with CR LF and dashes': part(disposition('d.md'), `\r\n--${boundary.slice(0, -1)}\r\n--\r\n`),
  'no epilogue CR LF': `--${boundary}\r\n${disposition('e.md')}\r\n\r\nabc\r\n--${boundary}--`,
  'an epilogue': `${part(disposition('f.md'), 'abc')}trailing words`,
}

/** Bodies that are busboy's to read: each differs from a plain one in one way. */
const otherBodies: Record<string, string> = {
  preamble: `preamble\r\n${part(disposition('p.md'), 'x')}`,
  'two parts': `--${boundary}\r\n${disposition('one.md')}\r\n\r\none\r\n${part(disposition('two.md'), 'two')}`,
  'a field before the file': `--${boundary}\r\ncontent-disposition: form-data; name="note"\r\n\r\nhi\r\n${part(disposition('g.md'), 'x')}`,
  'another part name': part('Content-Disposition: form-data; name="document"; filename="h.md"', 'x'),
  'filename*': part(
    `Content-Disposition: form-data; name="file"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`,
    'x',
  ),
  'non-ASCII filename': part(disposition('résumé.pdf'), 'x'),
  'a Windows path (backslashes are escapes there)': part(disposition('C:\\Users\\me\\report.pdf'), 'x'),
  'backslash escape': part('Content-Disposition: form-data; name="file"; filename="a\\"b.md"', 'x'),
  'no filename': part('Content-Disposition: form-data; name="file"', 'x'),
  'type parameters': part(`${disposition('i.md')}\r\nContent-Type: text/markdown; charset=utf-8`, 'x'),
  'another header': part(`${disposition('j.md')}\r\nContent-Transfer-Encoding: binary`, 'x'),
  'a folded header': part(`Content-Disposition: form-data; name="file";\r\n filename="k.md"`, 'x'),
  'two spaces after the colon': part(`Content-Disposition:  form-data; name="file"; filename="l.md"`, 'x'),
  'no closing delimiter': `--${boundary}\r\n${disposition('m.md')}\r\n\r\ncut short`,
  'a delimiter not closing the form': `--${boundary}\r\n${disposition('n.md')}\r\n\r\nabc\r\n--${boundary}x`,
  'no part headers end': `--${boundary}\r\n${disposition('o.md')}\r\nabc\r\n--${boundary}--\r\n`,
  'delimiter in the headers': `--${boundary}\r\n${disposition('q.md')}\r\n--${boundary}--\r\n\r\n`,
  'not multipart at all': 'name=value&other=1',
}

describe('plainBoundary', () => {
  it('reads the boundary of a plainly written multipart content type only', () => {
    expect(plainBoundary(`multipart/form-data; boundary=${boundary}`)).toBe(boundary)
    expect(plainBoundary('multipart/form-data;boundary=abc')).toBe('abc')
    expect(plainBoundary('multipart/form-data; boundary="abc"')).toBeUndefined()
    expect(plainBoundary('multipart/form-data; boundary=abc; charset=utf-8')).toBeUndefined()
    expect(plainBoundary('Multipart/Form-Data; boundary=abc')).toBeUndefined()
    expect(plainBoundary('text/plain')).toBeUndefined()
    expect(plainBoundary(undefined)).toBeUndefined()
  })
})

describe('parsePlainMultipart', () => {
  it.each(Object.entries(plainBodies))('reads a plain body (%s) as busboy does', async (_name, body) => {
    const bytes = Buffer.from(body, 'latin1')
    const plain = plainOf(parsePlainMultipart(bytes, boundary))
    expect(plain).toBeDefined()
    expect(plain).toEqual(await readWithBusboy(bytes))
  })

  it('reads the body undici sends for a FormData as busboy does', async () => {
    const form = new FormData()
    form.append('file', new Blob(['# From FormData\n'], { type: 'text/markdown' }), 'form "data".md')
    const response = new Response(form)
    const body = Buffer.from(await response.arrayBuffer())
    const sent = plainBoundary(response.headers.get('content-type') ?? undefined)
    if (sent === undefined) throw new Error('undici wrote its content type another way')
    const plain = plainOf(parsePlainMultipart(body, sent))
    expect(plain).toMatchObject({ filename: 'form %22data%22.md', mimeType: 'text/markdown' })
    expect(plain).toEqual(await readWithBusboy(body, sent))
  })

  it.each(Object.entries(otherBodies))('leaves a body that is not plain (%s) to busboy', (_name, body) => {
    expect(parsePlainMultipart(Buffer.from(body, 'utf8'), boundary)).toBeUndefined()
  })

  it('never reads a body otherwise than busboy: 3,000 damaged plain bodies', async () => {
    // A fixed seed: the same bodies on every run.
    let seed = 0x2f6b1d
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % below
    }
    const alphabet = Buffer.from(`\r\n-";:= /\\.${boundary}aZ\t\x00\xe9`, 'latin1')
    const sources = Object.values(plainBodies).map((body) => Buffer.from(body, 'latin1'))
    let answered = 0
    for (let round = 0; round < 3000; round++) {
      const body = Buffer.from(sources[round % sources.length]!)
      const position = random(body.length)
      // Cut short, one byte put in, or one byte changed.
      const byte = alphabet.subarray(random(alphabet.length)).subarray(0, 1)
      const damaged =
        round % 3 === 0
          ? body.subarray(0, position)
          : round % 3 === 1
            ? Buffer.concat([body.subarray(0, position), byte, body.subarray(position)])
            : Buffer.concat([body.subarray(0, position), byte, body.subarray(position + 1)])
      const plain = plainOf(parsePlainMultipart(damaged, boundary))
      if (plain === undefined) continue
      answered += 1
      expect(plain, `body ${JSON.stringify(damaged.toString('latin1'))}`).toEqual(
        await readWithBusboy(damaged),
      )
    }
    // Most damage leaves a plain body (a byte of the content) or makes one busboy's: both kinds were tried.
    expect(answered).toBeGreaterThan(300)
    expect(answered).toBeLessThan(3000)
  })
})
