/**
 * The content type an engine sees for an upload that came without a useful one. NuMind's SDK sends every file as
 * `filename="file"` and `application/octet-stream`, and office documents are ZIP archives whose kind is told
 * only by what they hold (`word/document.xml` for DOCX): such an upload is recognised from its bytes, by looking
 * inside the archive for ZIP files, so that every engine can route it (or refuse it by name).
 */
import { open } from 'node:fs/promises'
import yauzl from 'yauzl'

/** Types that say nothing about the document inside. */
const uninformative = new Set([
  '',
  'application/octet-stream',
  'binary/octet-stream',
  'application/zip',
  'application/x-zip',
  'application/x-zip-compressed',
])

/** The Office Open XML kinds, by the part that only that kind has. */
const officeOpenXml: ReadonlyArray<readonly [entry: string, contentType: string]> = [
  ['word/document.xml', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['xl/workbook.xml', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ['ppt/presentation.xml', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
]

/** Entries of an archive looked at, at most: a ZIP of a million files is not read through for a name. */
const maxEntries = 10_000

const signatures: ReadonlyArray<readonly [test: (head: Buffer) => boolean, contentType: string]> = [
  [(head) => head.subarray(0, 1024).includes('%PDF-'), 'application/pdf'],
  [
    (head) => head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    'image/png',
  ],
  [(head) => head.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])), 'image/jpeg'],
  [(head) => /^GIF8[79]a/.test(head.toString('latin1', 0, 6)), 'image/gif'],
  [(head) => ['II*\0', 'MM\0*'].includes(head.toString('latin1', 0, 4)), 'image/tiff'],
  [
    (head) => head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP',
    'image/webp',
  ],
  [(head) => head.toString('latin1', 0, 2) === 'BM' && head.length >= 14, 'image/bmp'],
]

/**
 * For an upload whose `contentType` is not informative (see {@link isInformative}, which its caller asks first: an
 * informative type is kept as it is, without this detour): the type the upload's bytes show (read from `source`,
 * its file or its bytes in memory), or `contentType` unchanged when they show nothing known.
 */
export async function recogniseContentType(
  source: string | Uint8Array,
  contentType: string,
): Promise<string> {
  const head = typeof source === 'string' ? await readHead(source, 1024) : bufferOf(source).subarray(0, 1024)
  for (const [test, type] of signatures) if (test(head)) return type
  if (head.toString('latin1', 0, 4) !== 'PK\x03\x04') return contentType
  // OpenDocument files begin with an uncompressed entry named `mimetype` holding their type.
  if (head.toString('latin1', 30, 38) === 'mimetype') {
    const type = /^application\/vnd\.oasis\.opendocument\.[a-z.-]+/.exec(head.toString('latin1', 38, 120))
    if (type) return type[0]
  }
  return (await officeKind(source)) ?? contentType
}

/** Whether `contentType` says what the document is: it is then kept as it is, its bytes not looked at. */
export function isInformative(contentType: string): boolean {
  return !uninformative.has(contentType.split(';')[0]?.trim().toLowerCase() ?? '')
}

function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

async function readHead(path: string, length: number): Promise<Buffer> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(length)
    const { bytesRead } = await handle.read(buffer, 0, length, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** The Office Open XML type of a ZIP file, from its central directory; undefined for any other or broken ZIP. */
function officeKind(source: string | Uint8Array): Promise<string | undefined> {
  return new Promise((resolve) => {
    const opened = (error: Error | null, zip: yauzl.ZipFile | undefined): void => {
      if (error || !zip) {
        resolve(undefined)
        return
      }
      let seen = 0
      const done = (type: string | undefined): void => {
        zip.close()
        resolve(type)
      }
      zip.on('entry', (entry: yauzl.Entry) => {
        const found = officeOpenXml.find(([name]) => name === entry.fileName)
        if (found) done(found[1])
        else if (++seen >= maxEntries) done(undefined)
        else zip.readEntry()
      })
      zip.on('end', () => resolve(undefined))
      zip.on('error', () => resolve(undefined))
      zip.readEntry()
    }
    if (typeof source === 'string') yauzl.open(source, { lazyEntries: true, autoClose: true }, opened)
    else yauzl.fromBuffer(bufferOf(source), { lazyEntries: true }, opened)
  })
}
