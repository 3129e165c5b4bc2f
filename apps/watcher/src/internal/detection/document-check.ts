/**
 * A cheap look at a document that held still, before it is sent: is it whole, and is it what its name says?
 * A file that may still be growing (a PDF with its header but no `%%EOF` yet) is waited for; a file that can
 * never become valid as it is (empty, no `%PDF-` header, a PNG named `.pdf`) is reported at once, with a
 * precise code, and tried again only when it changes.
 */
import type { FileHandle } from 'node:fs/promises'
import { readRange } from './document-file.js'

/** What is wrong with a document. */
export interface DocumentDefect {
  /**
   * `EMPTY`: no bytes at all (after holding still); `INVALID`: not a file of the format its name says;
   * `UNSUPPORTED`: recognisably another format than its name says; `INCOMPLETE`: the format's end is missing.
   */
  code: 'EMPTY' | 'INVALID' | 'UNSUPPORTED' | 'INCOMPLETE'
  /** For the person reading the error file. */
  reason: string
  /** False while the file may still be growing into a valid one (only `INCOMPLETE`). */
  final: boolean
}

interface Format {
  /** For messages: `a PDF`. */
  name: string
  /** True when `head` starts the format; `undefined` when `head` is too short to tell. */
  starts(head: Buffer): boolean | undefined
  /** How the format's start is described in a message. */
  header: string
}

/** Bytes looked at from the start: as many as file-type wants for its detection. */
const headBytes = 4100
const pdfTail = 4096
// The end-of-central-directory record is 22 bytes plus a comment of at most 65535 bytes.
const zipTail = 22 + 65_535

/** `undefined` while `head` is a strict prefix of `magic` (the file may still be growing into it). */
function startsWith(head: Buffer, magic: Buffer, offset = 0): boolean | undefined {
  const available = head.subarray(offset, offset + magic.length)
  if (!magic.subarray(0, available.length).equals(available)) return false
  return available.length < magic.length ? undefined : true
}

function anyOf(...magics: Buffer[]): (head: Buffer) => boolean | undefined {
  return (head) => {
    const results = magics.map((magic) => startsWith(head, magic))
    if (results.includes(true)) return true
    return results.includes(undefined) ? undefined : false
  }
}

const pdfMagic = Buffer.from('%PDF-')
const zipMagic = Buffer.from([0x50, 0x4b, 0x03, 0x04])

const formats: Record<string, Format> = {
  pdf: {
    name: 'a PDF',
    header: 'it does not start with %PDF-',
    // The header may follow a little junk within the first 1024 bytes.
    starts: (head) => {
      if (head.subarray(0, 1024).includes(pdfMagic)) return true
      return startsWith(head, pdfMagic) === undefined ? undefined : false
    },
  },
  docx: {
    name: 'a DOCX document',
    header: 'it is not a ZIP archive (no PK header)',
    starts: anyOf(zipMagic),
  },
  png: {
    name: 'a PNG image',
    header: 'it has no PNG signature',
    starts: anyOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  jpg: {
    name: 'a JPEG image',
    header: 'it has no JPEG signature',
    starts: anyOf(Buffer.from([0xff, 0xd8, 0xff])),
  },
  tif: {
    name: 'a TIFF image',
    header: 'it has no TIFF signature',
    starts: anyOf(
      Buffer.from([0x49, 0x49, 0x2a, 0x00]),
      Buffer.from([0x4d, 0x4d, 0x00, 0x2a]),
      Buffer.from([0x49, 0x49, 0x2b, 0x00]),
      Buffer.from([0x4d, 0x4d, 0x00, 0x2b]),
    ),
  },
  webp: {
    name: 'a WebP image',
    header: 'it has no RIFF…WEBP signature',
    starts: (head) => {
      const riff = startsWith(head, Buffer.from('RIFF'))
      if (riff !== true) return riff
      return startsWith(head, Buffer.from('WEBP'), 8)
    },
  },
  bmp: { name: 'a BMP image', header: 'it has no BM signature', starts: anyOf(Buffer.from('BM')) },
}
formats.jpeg = formats.jpg!
formats.tiff = formats.tif!

/** Formats that text may never turn out to be: a text file holding one of these is misnamed. */
const textExtensions = new Set(['txt', 'html', 'htm'])
const binaryMime =
  /^(application\/(pdf|zip|x-7z-compressed|gzip|x-rar-compressed|vnd\.openxmlformats.*|msword|x-cfb)|image\/.*)$/

/**
 * Check the document, `size` bytes long, whose name ends in `.extension` (lower case, no dot): its open file,
 * or its whole content already read from that file (a small document is read once, and these are the bytes
 * hashed and uploaded). `undefined` when nothing is wrong that can be seen without converting it.
 */
export async function checkDocument(
  content: FileHandle | Buffer,
  size: number,
  extension: string,
): Promise<DocumentDefect | undefined> {
  if (size === 0) return { code: 'EMPTY', reason: 'the file is empty (0 bytes)', final: true }
  const read = (position: number, length: number): Promise<Buffer> | Buffer =>
    Buffer.isBuffer(content)
      ? content.subarray(position, position + length)
      : readRange(content, position, length)
  const head = await read(0, Math.min(size, headBytes))
  const format = formats[extension]
  if (format) {
    const starts = format.starts(head)
    if (starts === undefined) {
      return {
        code: 'INCOMPLETE',
        reason: `the file holds only ${size} bytes so far (still being written, or cut off)`,
        final: false,
      }
    }
    if (!starts) return misnamed(head, format, extension)
  } else if (textExtensions.has(extension)) {
    const actual = await detect(head)
    if (actual && binaryMime.test(actual.mime)) {
      return {
        code: 'UNSUPPORTED',
        reason: `the file is ${describe(actual)}, not text as its name (.${extension}) says: rename it to .${actual.ext}`,
        final: true,
      }
    }
  }
  if (extension === 'pdf') {
    const start = Math.max(0, size - pdfTail)
    const tail = await read(start, size - start)
    if (!tail.includes('%%EOF')) {
      return {
        code: 'INCOMPLETE',
        reason: 'the PDF has no %%EOF marker at its end (still being written, or cut off)',
        final: false,
      }
    }
  }
  if (extension === 'docx') {
    const start = Math.max(0, size - zipTail)
    const tail = await read(start, size - start)
    if (tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) === -1) {
      return {
        code: 'INCOMPLETE',
        reason: 'the document has no ZIP end-of-central-directory record (still being written, or cut off)',
        final: false,
      }
    }
  }
  return undefined
}

let fileType: Promise<typeof import('file-type')> | undefined

/**
 * Start loading the format detector, once, without waiting for it: a run calls this as it starts, so that the
 * first document checked does not wait for the module to load (up to a second on a busy machine, while the
 * events of a whole drop come in). `--help` and the other commands never load it.
 */
export function loadFormatDetector(): Promise<typeof import('file-type')> {
  fileType ??= import('file-type')
  return fileType
}

async function detect(head: Buffer): Promise<{ ext: string; mime: string } | undefined> {
  const { fileTypeFromBuffer } = await loadFormatDetector()
  return fileTypeFromBuffer(head).catch(() => undefined)
}

function describe(type: { ext: string; mime: string }): string {
  return `${type.ext.toUpperCase()} (${type.mime})`
}

/** The file does not start as its format must: say what it is instead, when that can be told. */
async function misnamed(head: Buffer, format: Format, extension: string): Promise<DocumentDefect> {
  const actual = await detect(head)
  if (actual && actual.ext !== extension) {
    return {
      code: 'UNSUPPORTED',
      reason: `the file is ${describe(actual)}, not ${format.name} as its name (.${extension}) says: rename it to .${actual.ext}`,
      final: true,
    }
  }
  return { code: 'INVALID', reason: `not ${format.name}: ${format.header}`, final: true }
}
