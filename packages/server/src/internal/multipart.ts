/**
 * Reads the `file` part of a multipart upload, hashing it on the way, within the limits of the upload size and of
 * the whole body: a small upload stays in memory, a larger one goes to a temporary file as it arrives. Filenames
 * are UTF-8, as browsers and NuMind's SDK send them.
 *
 * A body that declares a small length is read whole and parsed in one pass: its job's engine starts right after
 * the last byte, without a stream between the parser and memory, and before its hash, which is taken while the
 * engine works.
 */
import { hash } from 'node:crypto'
import { rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { basename } from 'node:path'
import { finished } from 'node:stream/promises'
import busboy from 'busboy'
import mime from 'mime-types'
import { deferSha256 } from './deferred-sha256.js'
import type { MemoryBudget } from './memory-budget.js'
import { parsePlainMultipart, plainBoundary } from './plain-multipart.js'
import { UploadSink } from './upload-sink.js'

/** An upload read to its end: in memory (`bytes`) or in a temporary file (`path`). */
export interface ReceivedUpload {
  path?: string
  bytes?: Buffer
  filename: string
  contentType: string
  size: number
  /** Computed on its first read, or right after its job's engine call has started (see `deferSha256`). */
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
  const declaredBytes = smallBodyBytes(request, options.memoryBytes)
  // A plain content type needs no parser before the body is in; any other is checked by busboy at once, so that
  // a body that is not multipart is refused before it is read, whatever its size.
  const boundary = declaredBytes === undefined ? undefined : plainBoundary(request.headers['content-type'])
  const parser = boundary === undefined ? createParser(request, options.maxBytes) : undefined
  if (parser === null) return Promise.resolve({ kind: 'invalid' })
  if (declaredBytes !== undefined && !options.signal.aborted && options.budget.reserve(declaredBytes)) {
    return readWholeBody(request, { boundary, parser }, declaredBytes, options)
  }
  const streaming = parser ?? createParser(request, options.maxBytes)
  return streaming === null ? Promise.resolve({ kind: 'invalid' }) : streamUpload(request, streaming, options)
}

/** Read the file part as it arrives: into memory while it is small and the budget allows, else to a file. */
function streamUpload(
  request: IncomingMessage,
  parser: busboy.Busboy,
  options: SpoolOptions,
): Promise<SpoolResult> {
  return new Promise((resolve) => {
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
          const digest = received.hash
          const upload: ReceivedUpload = deferSha256({ ...found, size: received.size }, () =>
            digest.digest('hex'),
          )
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

/** busboy set up for an upload, or null when the request's content type is not one it reads. */
function createParser(request: IncomingMessage, maxBytes: number): busboy.Busboy | null {
  try {
    return busboy({
      headers: request.headers,
      // busboy reads `filename="…"` as latin1 by default: every client sends UTF-8 there.
      defParamCharset: 'utf8',
      // busboy reports the limit once `fileSize` bytes arrived, so one more byte than allowed means too large.
      limits: { fileSize: maxBytes + 1, files: 1, fields: 32, fieldSize: 16 * 1024, parts: 33 },
    })
  } catch {
    return null
  }
}

/** The declared length of a body small enough to be read whole into memory, or undefined. */
function smallBodyBytes(request: IncomingMessage, memoryBytes: number): number | undefined {
  if (memoryBytes <= 0 || request.headers['transfer-encoding'] !== undefined) return undefined
  const declared = Number(request.headers['content-length'])
  return Number.isInteger(declared) && declared > 0 && declared <= memoryBytes ? declared : undefined
}

/**
 * Read a body of a small declared length into memory, then parse it in one pass: as a plain body when it is one,
 * else with busboy (the `parser` set up already, or one made now). `declaredBytes` were taken from the budget
 * already: they are given back, all but the file's own bytes, whatever the outcome. The body is read from the
 * request's events, under the rate watch and the shutdown signal: even one that came in the packet of its headers
 * is parsed by Node only after the request was handed over, so there is nothing to take from its buffer earlier.
 */
function readWholeBody(
  request: IncomingMessage,
  { boundary, parser }: { boundary: string | undefined; parser: busboy.Busboy | undefined },
  declaredBytes: number,
  options: SpoolOptions,
): Promise<SpoolResult> {
  return new Promise((resolve) => {
    let settled = false
    let stopWatching = (): void => {}
    const finish = (result: SpoolResult): void => {
      if (settled) return
      settled = true
      stopWatching()
      options.signal.removeEventListener('abort', onAbort)
      options.budget.release(
        result.kind === 'ok' ? declaredBytes - (result.upload.bytes?.length ?? 0) : declaredBytes,
      )
      resolve(result)
    }
    const onAbort = (): void => finish({ kind: 'aborted' })
    const parse = (body: Buffer): void => {
      const plain = boundary === undefined ? undefined : parsePlainMultipart(body, boundary)
      if (plain) {
        // A copy: the file is a view of the body, which the job must not hold.
        const content = plain.content.length > options.maxBytes ? plain.content : Buffer.from(plain.content)
        finish(receivedFile(plain.filename, plain.mimeType, content, options.maxBytes))
        return
      }
      const wholeParser = parser ?? createParser(request, options.maxBytes)
      if (wholeParser === null) finish({ kind: 'invalid' })
      else parseWholeBody(wholeParser, body, options.maxBytes).then(finish)
    }
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      if (!settled) parse(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
    })
    request.on('error', () => finish({ kind: 'aborted' }))
    request.on('close', () => {
      if (!request.complete) finish({ kind: 'aborted' })
    })
    options.signal.addEventListener('abort', onAbort, { once: true })
    stopWatching = options.watch?.(onAbort) ?? (() => {})
  })
}

/** The `file` part of a whole multipart body, with busboy's checks and limits; never rejects. */
function parseWholeBody(parser: busboy.Busboy, body: Buffer, maxBytes: number): Promise<SpoolResult> {
  return new Promise((resolve) => {
    let failed: SpoolResult | undefined
    let found: { filename: string | undefined; mimeType: string; chunks: Buffer[] } | undefined
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || found !== undefined) {
        stream.resume()
        return
      }
      const part = { filename: info.filename, mimeType: info.mimeType, chunks: [] as Buffer[] }
      found = part
      stream.on('data', (chunk: Buffer) => part.chunks.push(chunk))
      stream.on('limit', () => {
        failed ??= { kind: 'tooLarge' }
      })
      stream.on('error', () => {
        failed ??= { kind: 'invalid' }
      })
    })
    parser.on('error', () => {
      failed ??= { kind: 'invalid' }
    })
    parser.on('close', () => {
      if (failed !== undefined || found === undefined) resolve(failed ?? { kind: 'invalid' })
      else resolve(receivedFile(found.filename, found.mimeType, Buffer.concat(found.chunks), maxBytes))
    })
    parser.end(body)
  })
}

/** The upload of a file part read whole, its `bytes` its own (no view of a larger buffer). */
function receivedFile(
  sentFilename: string | undefined,
  mimeType: string,
  bytes: Buffer,
  maxBytes: number,
): SpoolResult {
  if (bytes.length > maxBytes) return { kind: 'tooLarge' }
  const filename = sanitizeFilename(sentFilename)
  const upload = { filename, contentType: resolveContentType(mimeType, filename), size: bytes.length, bytes }
  return { kind: 'ok', upload: deferSha256(upload, () => hash('sha256', bytes, 'hex')) }
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
