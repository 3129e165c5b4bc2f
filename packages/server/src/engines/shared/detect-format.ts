/**
 * Which route a document takes through an engine (PDF, image, DOCX, HTML, text, or none), decided from its first
 * bytes before its content type and filename: clients often send `application/octet-stream`. The local and
 * OpenAI-compatible engines decide the same way, so that a document one of them refuses is refused by name.
 */
import { open } from 'node:fs/promises'
import { extname } from 'node:path'
import type { EngineDocument } from '../../types.js'
import { spooledPath } from './spooled-path.js'

/** The routes a document can take through the engines. */
export type DocumentFormat =
  | { kind: 'pdf' }
  | { kind: 'image'; mediaType: 'image/png' | 'image/jpeg' | 'image/tiff' | 'image/webp' | 'image/bmp' }
  | { kind: 'docx' }
  | { kind: 'html' }
  | { kind: 'text'; mediaType: string }
  | { kind: 'unsupported'; description: string }

const textExtensions = new Set(['.txt', '.md', '.markdown', '.csv', '.tsv', '.json', '.log', '.rst', '.xml'])

/** Reads the first bytes of a file: enough for every signature below. */
async function readHead(path: string, length = 64): Promise<Uint8Array> {
  const handle = await open(path, 'r')
  try {
    const buffer = new Uint8Array(length)
    const { bytesRead } = await handle.read(buffer, 0, length, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

function startsWith(head: Uint8Array, bytes: number[], offset = 0): boolean {
  return bytes.every((byte, index) => head[offset + index] === byte)
}

function ascii(head: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...head.subarray(start, end))
}

/**
 * Decides the format from the bytes first (clients often send `application/octet-stream`), then the content
 * type, then the filename's extension.
 */
export function detectFormat(head: Uint8Array, contentType: string, filename: string): DocumentFormat {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  const extension = extname(filename).toLowerCase()
  // A PDF may have junk before its header; readers accept it within the first 1024 bytes, we look at 64.
  if (ascii(head, 0, head.length).includes('%PDF-')) return { kind: 'pdf' }
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47])) return { kind: 'image', mediaType: 'image/png' }
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { kind: 'image', mediaType: 'image/jpeg' }
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { kind: 'image', mediaType: 'image/tiff' }
  }
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP')
    return { kind: 'image', mediaType: 'image/webp' }
  if (ascii(head, 0, 2) === 'BM' && head.length >= 14) return { kind: 'image', mediaType: 'image/bmp' }
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    if (
      type === 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' ||
      extension === '.docx'
    ) {
      return { kind: 'docx' }
    }
    return {
      kind: 'unsupported',
      description: `a ZIP archive (${type || extension || 'no type'}) that is not a DOCX`,
    }
  }
  if (type === 'application/pdf' || extension === '.pdf') return { kind: 'pdf' }
  if (
    type === 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' ||
    extension === '.docx'
  ) {
    return { kind: 'docx' }
  }
  const text = ascii(head, 0, head.length).trimStart().toLowerCase()
  if (
    type === 'text/html' ||
    type === 'application/xhtml+xml' ||
    extension === '.html' ||
    extension === '.htm' ||
    text.startsWith('<!doctype html') ||
    text.startsWith('<html')
  ) {
    return { kind: 'html' }
  }
  if (type.startsWith('text/') || type === 'application/json' || textExtensions.has(extension)) {
    return { kind: 'text', mediaType: type || 'text/plain' }
  }
  if (type.startsWith('image/')) return { kind: 'unsupported', description: `an image of type ${type}` }
  return { kind: 'unsupported', description: type ? `content type ${type}` : `a file named ${filename}` }
}

/** The format of a spooled document: {@link detectFormat} of its first bytes, content type and filename. */
export async function documentFormat(document: EngineDocument): Promise<DocumentFormat> {
  return detectFormat(await readHead(spooledPath(document)), document.contentType, document.filename)
}
