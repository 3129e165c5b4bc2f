/**
 * Reads the `file` part of a multipart upload, hashing it on the way, within the limits of the upload size and of
 * the whole body: a small upload stays in memory, a larger one goes to a temporary file as it arrives. Filenames
 * are UTF-8, as browsers and NuMind's SDK send them.
 */
import { rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { basename } from 'node:path'
import { finished } from 'node:stream/promises'
import busboy from 'busboy'
import mime from 'mime-types'
import type { MemoryBudget } from './memory-budget.js'
import { UploadSink } from './upload-sink.js'

/** An upload read to its end: in memory (`bytes`) or in a temporary file (`path`). */
export interface ReceivedUpload {
  path?: string
  bytes?: Buffer
  filename: string
  contentType: string
  size: number
  sha256: string
}

/** How reading a multipart upload ended. */
export type SpoolResult =
  | { kind: 'ok'; upload: ReceivedUpload }
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
  /** Uploads up to this size stay in memory, within `budget`; 0 spools every upload. */
  memoryBytes: number
  /** What uploads held in memory may take in all; an upload it cannot hold is spooled. */
  budget: MemoryBudget
  /** Aborts the upload (the server is shutting down); the temporary file is removed. */
  signal: AbortSignal
  /**
   * Starts watching the upload (its transfer rate); calls `abort` to cut it off like `signal` does. Returns what
   * stops watching, called once the upload is over, whatever its outcome.
   */
  watch?: (abort: () => void) => () => void
}

/**
 * Read the `file` part of a multipart request, hashing it on the way: into memory when it is at most
 * `memoryBytes` (and the budget allows), else to a temporary file as it arrives, so that an upload of any size
 * never sits in memory. Every outcome other than `ok` leaves nothing behind (no file, no budget taken), and
 * resolves only once the file is gone. An `ok` upload held in memory keeps its share of the budget, given back
 * with `budget.release(bytes.length)` once the job lets go of it.
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
    let sink: UploadSink | undefined
    let written: Promise<void> | undefined
    let described: { filename: string; contentType: string } | undefined

    const finish = async (result: SpoolResult): Promise<void> => {
      if (settled) return
      settled = true
      stopWatching()
      options.signal.removeEventListener('abort', onAbort)
      if (result.kind !== 'ok') {
        request.unpipe(parser)
        sink?.destroy()
        // A sink that had finished (the body went on after the file part) still holds its bytes.
        sink?.discard()
        await written?.catch(() => {})
        if (sink && !sink.closed) await new Promise<void>((done) => sink?.once('close', () => done()))
        if (sink?.path) await rm(sink.path, { force: true }).catch(() => {})
      }
      resolve(result)
    }

    const onAbort = (): void => {
      void finish({ kind: 'aborted' })
    }
    if (options.signal.aborted) {
      resolve({ kind: 'aborted' })
      return
    }
    options.signal.addEventListener('abort', onAbort, { once: true })
    const stopWatching = options.watch?.(onAbort) ?? (() => {})

    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || sink !== undefined || settled) {
        stream.resume()
        return
      }
      const filename = sanitizeFilename(info.filename)
      described = { filename, contentType: resolveContentType(info.mimeType, filename) }
      sink = new UploadSink({
        directory: options.directory,
        memoryBytes: options.memoryBytes,
        budget: options.budget,
      })
      // pipe() and finished() rather than pipeline(), which makes an AbortController per upload and throws a
      // DOMException (stack and all) into it at every normal end.
      const target = sink
      stream.on('error', (error) => target.destroy(error))
      stream.pipe(target)
      written = finished(target)
      written.catch((error: unknown) => void finish({ kind: 'error', error }))
      stream.on('limit', () => void finish({ kind: 'tooLarge' }))
    })
    parser.on('error', () => void finish({ kind: 'invalid' }))
    parser.on('close', () => {
      if (settled) return
      if (!described || !sink || !written) {
        void finish({ kind: 'invalid' })
        return
      }
      const found = described
      const received = sink
      written.then(
        () => {
          if (settled) return
          const upload: ReceivedUpload = {
            ...found,
            size: received.size,
            sha256: received.hash.digest('hex'),
          }
          if (received.path !== undefined) upload.path = received.path
          else upload.bytes = received.takeBytes()
          void finish({ kind: 'ok', upload })
        },
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
