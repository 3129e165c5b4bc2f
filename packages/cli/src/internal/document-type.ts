/**
 * Which inputs are documents the converter takes, decided from their first bytes (then their name), so that an
 * unsupported file gets one clear line before anything is uploaded. Text formats have no magic bytes: a head
 * that is valid UTF-8 without NUL bytes is text, named by its extension.
 */
import { extname } from 'node:path'
import { fileTypeFromBuffer } from 'file-type'

/** How many leading bytes {@link detectDocumentType} needs (file-type reads up to this many). */
export const sniffBytes = 4100

/** A document the converter takes. */
export interface DocumentType {
  contentType: string
  /** Without the dot: `pdf`, `png`, `docx`... */
  extension: string
}

/** Extensions a folder is searched for (the default of numarkdown-watch): everything else in it is ignored. */
export const folderExtensions: readonly string[] = [
  'pdf',
  'png',
  'jpg',
  'jpeg',
  'tif',
  'tiff',
  'webp',
  'bmp',
  'docx',
  'html',
  'htm',
  'txt',
]

/** Binary formats taken, by the content type file-type reports. */
const binaryTypes = new Set([
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/tiff',
  'image/webp',
  'image/bmp',
  'image/gif',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.presentation',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/rtf',
])

/** Old office formats share one container (CFB); their extension tells them apart. */
const cfbTypes: Record<string, string> = {
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
}

const textTypes: Record<string, string> = {
  html: 'text/html',
  htm: 'text/html',
  xhtml: 'text/html',
  md: 'text/markdown',
  markdown: 'text/markdown',
  csv: 'text/csv',
}

/** What {@link UNSUPPORTED} says a document may be. */
export const supportedKinds = 'a PDF, an image, an office document, HTML or text'

function isText(head: Uint8Array): boolean {
  if (head.includes(0)) return false
  try {
    // `stream: true`: the head may end inside a multi-byte character.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true })
    return true
  } catch {
    return false
  }
}

/**
 * The type of a document from its first {@link sniffBytes} bytes and its name (when it has one), or
 * `undefined` when it is not a format the converter takes (an archive, an executable, unknown binary data).
 */
export async function detectDocumentType(head: Uint8Array, name?: string): Promise<DocumentType | undefined> {
  const extension = name === undefined ? '' : extname(name).slice(1).toLowerCase()
  const detected = await fileTypeFromBuffer(head)
  if (detected !== undefined) {
    if (binaryTypes.has(detected.mime)) return { contentType: detected.mime, extension: detected.ext }
    if (detected.mime === 'application/x-cfb' && cfbTypes[extension] !== undefined) {
      return { contentType: cfbTypes[extension], extension }
    }
    return undefined
  }
  if (!isText(head)) return undefined
  const known = textTypes[extension]
  if (known !== undefined) return { contentType: known, extension }
  const start = new TextDecoder().decode(head.subarray(0, 512)).trimStart().toLowerCase()
  if (start.startsWith('<!doctype html') || start.startsWith('<html')) {
    return { contentType: 'text/html', extension: 'html' }
  }
  return { contentType: 'text/plain', extension: extension === '' ? 'txt' : extension }
}
