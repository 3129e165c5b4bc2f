import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { makePdf, tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkComplete } from './completeness.js'

let folder: { path: string; remove(): Promise<void> }
beforeAll(async () => {
  folder = await tempDir()
})
afterAll(() => folder.remove())

async function check(name: string, content: Uint8Array | string): Promise<string | undefined> {
  const path = join(folder.path, name)
  await writeFile(path, content)
  return checkComplete(path, Buffer.byteLength(content))
}

describe('checkComplete', () => {
  it('accepts a whole PDF and refuses a cut or fake one', async () => {
    const pdf = await makePdf(['hello'])
    expect(await check('whole.pdf', pdf)).toBeUndefined()
    expect(await check('cut.pdf', pdf.subarray(0, Math.floor(pdf.length / 2)))).toMatch(/%%EOF/)
    expect(await check('fake.pdf', 'just text')).toMatch(/%PDF-/)
    expect(await check('empty.pdf', '')).toMatch(/empty/)
  })

  it('needs the ZIP end-of-central-directory record for docx', async () => {
    const eocd = Buffer.alloc(22)
    eocd.writeUInt32LE(0x06054b50, 0)
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100), eocd])
    expect(await check('whole.docx', zip)).toBeUndefined()
    expect(await check('cut.docx', zip.subarray(0, 60))).toMatch(/end-of-central-directory/)
    expect(await check('fake.docx', 'hello')).toMatch(/PK header/)
    expect(await check('page.html', '<p>hi</p>')).toBeUndefined()
  })
})
