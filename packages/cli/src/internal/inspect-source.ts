/**
 * Opens each document before anything is uploaded: an unreadable file, an empty one, or one that is not a
 * document gets its own line now, and the rest get their content type (and their modification time, which
 * decides whether an existing output is newer). A stream (stdin, a pipe) can be read only once: its first
 * bytes are taken to detect the type and then put back in front of the rest.
 */
import { createReadStream, fstatSync, ReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { type DocumentType, detectDocumentType, sniffBytes, supportedKinds } from './document-type.js'
import type { Source } from './inputs.js'

/** A document ready to convert. */
export interface InspectedSource {
  source: Source
  type: DocumentType
  /** The name its outputs are named after; for a stream, `stdin` plus the detected extension. */
  name: string
  /** The filename sent with the upload. */
  filename: string
  /** Modification time of a file; for a stream, of what stdin is (a redirected file, or a pipe made now). */
  mtimeMs: number
  /** The whole content of a stream source (its first bytes put back). */
  stream?: Readable
}

export type Inspection = { ok: true; document: InspectedSource } | { ok: false; message: string }

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EACCES' || code === 'EPERM') return `cannot read it: permission denied (${code})`
  if (code === 'ENOENT') return 'no such file or folder (it disappeared)'
  if (code === 'EISDIR') return 'is a folder'
  return `cannot read it: ${error instanceof Error ? error.message : String(error)}`
}

/** Reads at least `bytes` bytes of `stream` (fewer at its end); returns them and the whole stream again. */
async function peek(stream: Readable, bytes: number): Promise<{ head: Buffer; whole: Readable }> {
  const iterator = stream[Symbol.asyncIterator]()
  const chunks: Buffer[] = []
  let size = 0
  let ended = false
  while (size < bytes) {
    const next = await iterator.next()
    if (next.done) {
      ended = true
      break
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array)
    chunks.push(chunk)
    size += chunk.length
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* chunks
    if (ended) return
    for (;;) {
      const next = await iterator.next()
      if (next.done) return
      yield next.value as Buffer
    }
  }
  return { head: Buffer.concat(chunks, size), whole: Readable.from(replay(), { objectMode: false }) }
}

function unsupported(): Inspection {
  return { ok: false, message: `unsupported format: not ${supportedKinds} file` }
}

/** Inspects one source; `stdin` is the process's standard input (given, so that tests can pass another). */
export async function inspectSource(source: Source, stdin: Readable): Promise<Inspection> {
  if (source.kind === 'stream') {
    let stream: Readable
    let mtimeMs = Date.now()
    try {
      if (source.path === undefined) {
        stream = stdin
        // Only a redirected file has a modification time worth reading. Node 20's synchronous and callback stat
        // calls leave their result in an array its module resolver reads later: after a stat of a pipe, the next
        // import of a symbolic-linked package (the server, with pnpm) resolves to a path it cannot load from.
        // A file's stat leaves nothing harmful there; a pipe is never stat'ed (it is a net.Socket, not this).
        const fd = (stdin as { fd?: number }).fd
        if (stdin instanceof ReadStream && typeof fd === 'number') {
          const stats = fstatSync(fd)
          if (stats.isFile()) mtimeMs = stats.mtimeMs
        }
      } else {
        stream = createReadStream(source.path)
      }
      const { head, whole } = await peek(stream, sniffBytes)
      if (head.length === 0) return { ok: false, message: 'empty input: no bytes were read' }
      const type = await detectDocumentType(head, source.path)
      if (type === undefined) {
        whole.destroy()
        return unsupported()
      }
      const name = `${source.name}.${type.extension}`
      return { ok: true, document: { source, type, name, filename: name, mtimeMs, stream: whole } }
    } catch (error) {
      return { ok: false, message: describeReadError(error) }
    }
  }
  let head: Buffer
  let mtimeMs: number
  try {
    const handle = await open(source.path, 'r')
    try {
      const stats = await handle.stat()
      if (stats.isDirectory()) return { ok: false, message: 'is a folder' }
      if (stats.size === 0) return { ok: false, message: 'the file is empty' }
      mtimeMs = stats.mtimeMs
      const buffer = Buffer.alloc(Math.min(sniffBytes, stats.size))
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
      head = buffer.subarray(0, bytesRead)
    } finally {
      await handle.close()
    }
  } catch (error) {
    return { ok: false, message: describeReadError(error) }
  }
  const type = await detectDocumentType(head, source.path)
  if (type === undefined) return unsupported()
  const filename = source.name.split('/').pop()!
  return { ok: true, document: { source, type, name: source.name, filename, mtimeMs } }
}
