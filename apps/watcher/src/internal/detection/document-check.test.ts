import { open, writeFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { makePdf, tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkDocument, type DocumentDefect } from './document-check.js'

let folder: { path: string; remove(): Promise<void> }
beforeAll(async () => {
  folder = await tempDir()
})
afterAll(() => folder.remove())

async function check(name: string, content: Uint8Array | string): Promise<DocumentDefect | undefined> {
  const path = join(folder.path, name)
  await writeFile(path, content)
  const handle = await open(path, 'r')
  try {
    const size = Buffer.byteLength(content)
    const fromFile = await checkDocument(handle, size, extname(name).slice(1))
    // The same verdict from the content read into memory, as a small document is checked.
    const fromBytes = await checkDocument(Buffer.from(content), size, extname(name).slice(1))
    expect(fromBytes).toEqual(fromFile)
    return fromFile
  } finally {
    await handle.close()
  }
}

const pngHeader = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
])

describe('checkDocument', () => {
  it('accepts a whole PDF, waits for one still growing, and reports one that can never be valid', async () => {
    const pdf = await makePdf(['hello'])
    expect(await check('whole.pdf', pdf)).toBeUndefined()
    expect(await check('cut.pdf', pdf.subarray(0, Math.floor(pdf.length / 2)))).toMatchObject({
      code: 'INCOMPLETE',
      final: false,
      reason: expect.stringMatching(/%%EOF/),
    })
    // Three bytes of a header: the copy may have just begun.
    expect(await check('begun.pdf', '%PD')).toMatchObject({ code: 'INCOMPLETE', final: false })
    expect(await check('fake.pdf', 'just text, no header')).toMatchObject({
      code: 'INVALID',
      final: true,
      reason: 'not a PDF: it does not start with %PDF-',
    })
    expect(await check('empty.pdf', '')).toMatchObject({ code: 'EMPTY', final: true })
    expect(await check('empty.txt', '')).toMatchObject({ code: 'EMPTY', final: true })
  })

  it('tells a file that is another format than its name says', async () => {
    expect(await check('photo.pdf', pngHeader)).toMatchObject({
      code: 'UNSUPPORTED',
      final: true,
      reason: expect.stringMatching(/PNG \(image\/png\), not a PDF .*rename it to \.png/),
    })
    expect(await check('notes.txt', await makePdf(['a pdf']))).toMatchObject({
      code: 'UNSUPPORTED',
      reason: expect.stringMatching(/PDF .*not text/),
    })
    expect(await check('photo.png', pngHeader)).toBeUndefined()
    expect(await check('photo.jpg', pngHeader)).toMatchObject({ code: 'UNSUPPORTED' })
    expect(await check('page.html', '<p>hi</p>')).toBeUndefined()
    expect(await check('page.txt', 'plain words')).toBeUndefined()
  })

  it('needs the ZIP end-of-central-directory record for docx', async () => {
    const eocd = Buffer.alloc(22)
    eocd.writeUInt32LE(0x06054b50, 0)
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100), eocd])
    expect(await check('whole.docx', zip)).toBeUndefined()
    expect(await check('cut.docx', zip.subarray(0, 60))).toMatchObject({
      code: 'INCOMPLETE',
      reason: expect.stringMatching(/end-of-central-directory/),
    })
    expect(await check('fake.docx', 'hello')).toMatchObject({
      code: 'INVALID',
      reason: expect.stringMatching(/PK header/),
    })
  })
})
