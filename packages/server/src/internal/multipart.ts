/**
 * Reads the `file` part of a multipart upload to a temporary file, hashing it on the way, within the limits of
 * the upload size and of the whole body. Filenames are UTF-8, as browsers and NuMind's SDK send them.
 */
import { createHash, randomUUID } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { basename, join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import busboy from 'busboy'
import mime from 'mime-types'

/** An upload spooled to a temporary file. */
export interface SpooledUpload {
  path: string
  filename: string
  contentType: string
  size: number
  sha256: string
}

/** How reading a multipart upload ended. */
export type SpoolResult =
  | { kind: 'ok'; upload: SpooledUpload }
  | { kind: 'tooLarge' }
  | { kind: 'invalid' }
  | { kind: 'aborted' }
  | { kind: 'error'; error: unknown }

export interface SpoolOptions {
  directory: string
  /** The most bytes of the file part. */
  maxBytes: number
  /** The most bytes of the whole body (the file, other fields and the multipart framing). */
  maxBodyBytes: number
  /** Aborts the upload (server shutting down); the temporary file is removed. */
  signal: AbortSignal
}

/**
 * Stream the `file` part of a multipart request to a temporary file, hashing it on the way, so an upload of
 * any size never sits in memory. Every outcome other than `ok` leaves no file behind, and resolves only once
 * the file is gone.
 */
export function spoolUpload(request: IncomingMessage, options: SpoolOptions): Promise<SpoolResult> {
  return new Promise((resolve) => {
    let parser: busboy.Busboy
    try {
      parser = busboy({
        headers: request.headers,
        // busboy reads `filename="…"` as latin1 by default: every client sends UTF-8 there.
        defParamCharset: 'utf8',
        // busboy reports the limit once `fileSize` bytes arrived, so one more byte than allowed means too large.
        limits: { fileSize: options.maxBytes + 1, files: 1, fields: 32, fieldSize: 16 * 1024, parts: 33 },
      })
    } catch {
      resolve({ kind: 'invalid' })
      return
    }

    let settled = false
    let filePath: string | undefined
    let writeStream: WriteStream | undefined
    let written: Promise<void> | undefined
    let upload: Omit<SpooledUpload, 'size' | 'sha256'> | undefined
    let size = 0
    const hash = createHash('sha256')

    const finish = async (result: SpoolResult): Promise<void> => {
      if (settled) return
      settled = true
      options.signal.removeEventListener('abort', onAbort)
      if (result.kind !== 'ok') {
        request.unpipe(parser)
        writeStream?.destroy()
        await written?.catch(() => {})
        if (writeStream && !writeStream.closed) {
          await new Promise<void>((done) => writeStream?.once('close', () => done()))
        }
        if (filePath) await rm(filePath, { force: true }).catch(() => {})
      }
      resolve(result)
    }

    const onAbort = (): void => {
      void finish({ kind: 'aborted' })
    }
    options.signal.addEventListener('abort', onAbort, { once: true })

    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || filePath !== undefined || settled) {
        stream.resume()
        return
      }
      filePath = join(options.directory, `numarkdown-upload-${randomUUID()}`)
      const filename = sanitizeFilename(info.filename)
      upload = { path: filePath, filename, contentType: resolveContentType(info.mimeType, filename) }
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk)
          size += chunk.length
          callback(null, chunk)
        },
      })
      writeStream = createWriteStream(filePath)
      written = pipeline(stream, counter, writeStream)
      written.catch((error: unknown) => void finish({ kind: 'error', error }))
      stream.on('limit', () => void finish({ kind: 'tooLarge' }))
    })
    parser.on('error', () => void finish({ kind: 'invalid' }))
    parser.on('close', () => {
      if (settled) return
      if (!upload || !written) {
        void finish({ kind: 'invalid' })
        return
      }
      const found = upload
      written.then(
        () => void finish({ kind: 'ok', upload: { ...found, size, sha256: hash.digest('hex') } }),
        (error: unknown) => void finish({ kind: 'error', error }),
      )
    })
    let bodyBytes = 0
    request.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length
      if (bodyBytes > options.maxBodyBytes) void finish({ kind: 'tooLarge' })
    })
    request.on('error', () => void finish({ kind: 'aborted' }))
    request.on('close', () => {
      if (!request.complete) void finish({ kind: 'aborted' })
    })
    request.pipe(parser)
  })
}

/**
 * Keep only the last path segment of a client-sent filename, with the escapes browsers (and HTML-form clients)
 * write for `"`, CR and LF (`%22`, `%0D`, `%0A`) decoded; no other `%` is an escape there.
 */
export function sanitizeFilename(filename: string | undefined): string {
  const decoded = (filename ?? '').replace(/%22|%0D|%0A/gi, (escaped) =>
    escaped === '%22' ? '"' : escaped.toUpperCase() === '%0D' ? '\r' : '\n',
  )
  const name = basename(decoded.replaceAll('\\', '/')).replaceAll('\0', '').trim()
  return name === '' || name === '.' || name === '..' ? 'document' : name
}

function resolveContentType(sent: string | undefined, filename: string): string {
  if (sent && sent !== 'application/octet-stream') return sent
  return mime.lookup(filename) || 'application/octet-stream'
}
