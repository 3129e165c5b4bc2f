/**
 * The multipart body that clients of this API send, read without a parser's set-up: one `file` part, its
 * `Content-Disposition` and at most a bare `Content-Type` in plain ASCII, its boundaries where they belong. Setting
 * up busboy and its streams costs more than the rest of a small upload's way to the engine; this reads such a body
 * with two searches. Anything else (a preamble, other parts or headers, escapes, parameters, folded lines,
 * non-ASCII names, a body that does not end its form) is left to busboy: this answers only where busboy answers
 * the same, so that the two never disagree.
 */

/** The file part of a plain multipart body, as busboy would describe it. */
export interface PlainFilePart {
  /** The filename as busboy gives it: its last path segment (`.` and `..` read as empty). */
  filename: string
  /** The part's type lowercased, `text/plain` when it has none (as busboy does). */
  mimeType: string
  /** A view of the file's bytes inside the body. */
  content: Buffer
}

const contentTypePattern = /^multipart\/form-data; ?boundary=([0-9A-Za-z'+_.-]{1,70})$/
const headerNamePattern = /^[A-Za-z-]+$/
/** Printable ASCII, without blanks at either end. */
const headerValuePattern = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/
/** A quoted filename without escapes (no backslash, no quote). */
const dispositionPattern = /^form-data; ?name="file"; ?filename="([\x20\x21\x23-\x5b\x5d-\x7e]*)"$/
const mimeTypePattern = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\/([!#$%&'*+.^_`|~0-9A-Za-z-]+)$/
/** Longer part headers are busboy's to judge. */
const maxHeaderBytes = 8 * 1024

/** The boundary of a request's content type when it is written plainly (unquoted, no other parameter). */
export function plainBoundary(contentType: string | undefined): string | undefined {
  return contentType === undefined ? undefined : contentTypePattern.exec(contentType)?.[1]
}

/** The file part of `body` when it is a plain multipart body with `boundary`; undefined for busboy to read. */
export function parsePlainMultipart(body: Buffer, boundary: string): PlainFilePart | undefined {
  const opening = `--${boundary}\r\n`
  if (body.length < opening.length || body.toString('latin1', 0, opening.length) !== opening) return undefined
  const headerStart = opening.length
  const headerEnd = body.indexOf('\r\n\r\n', headerStart, 'latin1')
  if (headerEnd < 0 || headerEnd - headerStart > maxHeaderBytes) return undefined
  let disposition: string | undefined
  let type: string | undefined
  for (const line of body.toString('latin1', headerStart, headerEnd).split('\r\n')) {
    const colon = line.indexOf(': ')
    if (colon <= 0) return undefined
    const name = line.slice(0, colon)
    const value = line.slice(colon + 2)
    if (!headerNamePattern.test(name) || !headerValuePattern.test(value)) return undefined
    const lowerName = name.toLowerCase()
    if (lowerName === 'content-disposition' && disposition === undefined) disposition = value
    else if (lowerName === 'content-type' && type === undefined) type = value
    else return undefined
  }
  const file = disposition === undefined ? null : dispositionPattern.exec(disposition)
  if (!file) return undefined
  let mimeType = 'text/plain'
  if (type !== undefined) {
    const found = mimeTypePattern.exec(type)
    if (!found) return undefined
    mimeType = `${found[1]}/${found[2]}`.toLowerCase()
  }
  // The first delimiter after the opening one ends the part; it must close the form (`--`), and lie past the
  // part's headers.
  const contentStart = headerEnd + 4
  const delimiter = `\r\n--${boundary}`
  const contentEnd = body.indexOf(delimiter, 2 + boundary.length, 'latin1')
  const after = contentEnd + delimiter.length
  if (contentEnd < contentStart || body[after] !== 0x2d || body[after + 1] !== 0x2d) return undefined
  return { filename: lastSegment(file[1]!), mimeType, content: body.subarray(contentStart, contentEnd) }
}

/** busboy's reading of a filename: what follows its last `/` or `\`, and `.` or `..` as empty. */
function lastSegment(filename: string): string {
  const slash = Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\'))
  const segment = filename.slice(slash + 1)
  return segment === '.' || segment === '..' ? '' : segment
}
