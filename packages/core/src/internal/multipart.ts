import { createHash, randomBytes } from 'node:crypto'
import type { UploadSource } from './input.js'

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
  /** A fresh pass over the body; hashes the file bytes on the way. */
  stream(onProgress?: (bytesSent: number) => void): AsyncGenerator<Uint8Array>
  /** Size and SHA-256 of the file bytes, once a pass over the body finished. */
  digest(): { size: number; sha256: string } | undefined
  /** Bytes of the file handed to the connection by the current (or last) pass. */
  bytesSent(): number
}

export function multipartBody(source: UploadSource): MultipartBody {
  const boundary = `----numarkdown-${randomBytes(16).toString('hex')}`
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
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: source.size === undefined ? undefined : head.byteLength + source.size + tail.byteLength,
    async *stream(onProgress) {
      const hash = createHash('sha256')
      sent = 0
      yield head
      for await (const chunk of source.open()) {
        hash.update(chunk)
        sent += chunk.byteLength
        yield chunk
        onProgress?.(sent)
      }
      yield tail
      digest = { size: sent, sha256: hash.digest('hex') }
    },
    digest: () => digest,
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
