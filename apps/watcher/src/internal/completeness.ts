import { open } from 'node:fs/promises'
import { extname } from 'node:path'

/** `undefined` when the file looks whole; otherwise why it does not (yet). */
export type Incompleteness = string | undefined

const ZIP_EXTENSIONS = new Set(['.docx', '.xlsx', '.pptx', '.odt', '.ods', '.odp', '.zip'])
// The end-of-central-directory record is 22 bytes plus a comment of at most 65535 bytes.
const ZIP_TAIL = 22 + 65_535
const PDF_TAIL = 4096

async function readRange(path: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(length)
    const { bytesRead } = await handle.read(buffer, 0, length, position)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/**
 * A cheap check that a file was written to the end, where the format says where the end is: a PDF ends
 * with `%%EOF`, a ZIP (docx, xlsx, pptx) with its end-of-central-directory record. Other formats, and
 * files of those formats that pass, return `undefined`. Throws on read errors.
 */
export async function checkComplete(path: string, size: number): Promise<Incompleteness> {
  if (size === 0) return 'the file is empty'
  const extension = extname(path).toLowerCase()
  if (extension === '.pdf') {
    const head = await readRange(path, 0, Math.min(size, 1024))
    if (!head.includes('%PDF-')) return 'not a PDF: no %PDF- header'
    const start = Math.max(0, size - PDF_TAIL)
    const tail = await readRange(path, start, size - start)
    if (!tail.includes('%%EOF'))
      return 'the PDF has no %%EOF marker at its end (still being written, or cut off)'
    return undefined
  }
  if (ZIP_EXTENSIONS.has(extension)) {
    const head = await readRange(path, 0, Math.min(size, 4))
    if (head.length < 4 || head.readUInt32LE(0) !== 0x04034b50)
      return 'not a ZIP-based document: no PK header'
    const start = Math.max(0, size - ZIP_TAIL)
    const tail = await readRange(path, start, size - start)
    const signature = Buffer.from([0x50, 0x4b, 0x05, 0x06])
    if (tail.lastIndexOf(signature) === -1) {
      return 'the document has no ZIP end-of-central-directory record (still being written, or cut off)'
    }
    return undefined
  }
  return undefined
}
