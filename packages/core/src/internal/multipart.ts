/** The multipart/form-data body of an upload, streamed from its source and hashed on the way. */
import { createHash, hash as hashOf, randomBytes } from 'node:crypto'
import type { UploadSource } from './input.js'

/** Bodies up to this size go out as one buffer (one write); larger ones stream chunk by chunk. */
const smallBodyBytes = 64 * 1024

/**
 * Every boundary of this process starts with the same random part and ends with a counter: one random draw per
 * process instead of one per body, and still never the same boundary twice.
 */
const boundaryPrefix = `----numarkdown-${randomBytes(12).toString('hex')}-`
let boundaryCount = 0

/** What a pass over the body reports: opened (the source is being read), progress, and sent (all of it given). */
export interface BodyWatch {
  opened?(): void
  progress?(bytesSent: number): void
  sent?(): void
}

/** Escapes a filename for a `Content-Disposition` parameter the way browsers do (quotes and line breaks). */
export function escapeFilename(filename: string): string {
  return filename.replaceAll('"', '%22').replaceAll('\r', '%0D').replaceAll('\n', '%0A')
}

/** A multipart/form-data body with one `file` part, streamed from its source. */
export interface MultipartBody {
  /** The `Content-Type` header, with the boundary. */
  contentType: string
  /** Known when the source's size is known; otherwise the body is sent chunked. */
  contentLength: number | undefined
  /** True when the body is small enough to be sent as one buffer ({@link MultipartBody.bytes}). */
  small: boolean
  /** A fresh pass over the body; hashes the file bytes on the way. */
  stream(watch?: BodyWatch): AsyncGenerator<Uint8Array>
  /**
   * The whole body in one buffer, read and hashed now: for a small body, one write and no stream. `sent` is
   * reported once the buffer is ready, since nothing tells when the connection took it.
   */
  bytes(watch?: BodyWatch): Promise<Uint8Array>
  /** Size and SHA-256 of the file bytes, once a pass over the body finished. */
  digest(): { size: number; sha256: string } | undefined
  /** Bytes of the file handed to the connection by the current (or last) pass. */
  bytesSent(): number
}

export function multipartBody(source: UploadSource): MultipartBody {
  const boundary = `${boundaryPrefix}${(boundaryCount++).toString(36)}`
  const head = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="file"; filename="${escapeFilename(source.filename)}"\r\n` +
      `Content-Type: ${source.contentType}\r\n\r\n`,
  )
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  let digest: { size: number; sha256: string } | undefined =
    source.sha256 !== undefined && source.size !== undefined
      ? { size: source.size, sha256: source.sha256 }
      : undefined
  let sent = 0
  const small = source.size !== undefined && source.size <= smallBodyBytes
  /**
   * The file bytes of the last whole read (a view of the body sent), hashed only when the digest is asked for:
   * after the server answered (the hash is for matching an interrupted upload), not on the way to the first byte.
   */
  let unhashed: Uint8Array | undefined
  /** Reads the source whole: the body in one buffer. */
  const readWhole = async (watch: BodyWatch | undefined) => {
    sent = 0
    const parts: Uint8Array[] = [head]
    const now = source.readNow?.()
    if (now !== undefined) {
      sent = now.byteLength
      parts.push(now)
    } else {
      for await (const chunk of source.open()) {
        sent += chunk.byteLength
        parts.push(chunk)
      }
    }
    parts.push(tail)
    const whole = Buffer.concat(parts)
    if (source.sha256 === undefined) {
      digest = undefined
      unhashed = whole.subarray(head.byteLength, head.byteLength + sent)
    }
    watch?.progress?.(sent)
    return whole
  }
  return {
    small,
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: source.size === undefined ? undefined : head.byteLength + source.size + tail.byteLength,
    async *stream(watch) {
      watch?.opened?.()
      if (small) {
        // Three writes (and their syscalls) for a few KiB cost more than one copy.
        yield await readWhole(watch)
        watch?.sent?.()
        return
      }
      const hash = createHash('sha256')
      sent = 0
      unhashed = undefined
      yield head
      for await (const chunk of source.open()) {
        hash.update(chunk)
        sent += chunk.byteLength
        yield chunk
        watch?.progress?.(sent)
      }
      yield tail
      digest = { size: sent, sha256: hash.digest('hex') }
      watch?.sent?.()
    },
    async bytes(watch) {
      watch?.opened?.()
      const whole = await readWhole(watch)
      watch?.sent?.()
      return whole
    },
    digest: () => {
      if (unhashed) {
        digest = { size: unhashed.byteLength, sha256: hashOf('sha256', unhashed, 'hex') }
        unhashed = undefined
      }
      return digest
    },
    bytesSent: () => sent,
  }
}

/**
 * Size and SHA-256 of a re-readable source, read once more (for matching a job after an interrupted upload).
 * Stops with the operation's abort error between chunks: a large file must not hold a call past its deadline.
 */
export async function digestSource(
  source: UploadSource,
  operation?: { throwIfAborted(): void },
): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of source.open()) {
    operation?.throwIfAborted()
    hash.update(chunk)
    size += chunk.byteLength
  }
  return { size, sha256: hash.digest('hex') }
}
