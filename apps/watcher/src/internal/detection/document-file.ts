/**
 * A document is opened once, and everything that reads it (the completeness check, the hash, the upload)
 * reads that one open file. Checking a path and opening it again later lets a symlink be flipped in between,
 * to a file outside the inbox: so the check is made on the file actually opened, by its descriptor.
 */
import { createHash } from 'node:crypto'
import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, type Stats } from 'node:fs'
import { type FileHandle, open, readlink, realpath, stat } from 'node:fs/promises'
import { within } from '../path-containment.js'
import { inboxPath, type ScanContext } from './scanner.js'

/** Bytes read at once when hashing or uploading. */
const chunkBytes = 1024 * 1024

/** A document opened for reading, known to be a regular file inside the inbox. */
export interface OpenDocument {
  handle: FileHandle
  /** Of the open file (fstat), not of whatever the path names now. */
  stats: Stats
}

/** Why a path could not be opened as a document. */
export type OpenRefusal =
  /** It can never be read as it is: a link out of the inbox, a loop, not a regular file. */
  | { kind: 'problem'; reason: string; code: string }
  /** It changed while it was being opened (a link replaced): look at it again. */
  | { kind: 'changed' }

/** Opened with `O_NOFOLLOW`: a last path component that is (or just became) a symlink fails with ELOOP. */
const openFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

/**
 * Open the document at `path` (relative to the inbox). The path is opened without following a link in its last
 * component; when that component is a symlink, the link is resolved and its target opened the same way. Then
 * the open file itself is checked: its real path (from `/proc/self/fd`, or by comparing its identity with the
 * resolved path where there is no `/proc`) must lie inside the inbox, and it must be a regular file. Throws
 * file-system errors of the source (ENOENT, EACCES...).
 */
export async function openDocument(context: ScanContext, path: string): Promise<OpenDocument | OpenRefusal> {
  const absolute = inboxPath(context.inbox, path)
  let target = absolute
  let handle: FileHandle
  try {
    // Most documents are no link: opened at once, with no look at the path first.
    // O_NONBLOCK: a pipe put in the file's place must not block the open (regular files ignore the flag).
    handle = await open(absolute, openFlags)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOOP') throw error
    // ELOOP: the last component is a symlink (or a link loop).
    try {
      target = await realpath(absolute)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN'
      if (code === 'ELOOP') return { kind: 'problem', reason: 'the symlink is a loop', code }
      if (code === 'ENOENT') return { kind: 'problem', reason: 'the symlink points nowhere', code }
      throw error
    }
    if (!within(context.realInbox, target)) return outsideInbox()
    try {
      handle = await open(target, openFlags)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') return { kind: 'changed' }
      throw error
    }
  }
  try {
    const stats = await handle.stat()
    const real = await realPathOf(handle, target, stats)
    if (real === undefined) {
      await handle.close()
      return { kind: 'changed' }
    }
    if (!within(context.realInbox, real)) {
      await handle.close()
      return outsideInbox()
    }
    if (!stats.isFile()) {
      await handle.close()
      return notAFile()
    }
    return { handle, stats }
  } catch (error) {
    await handle.close().catch(() => {})
    throw error
  }
}

/** A small document opened and read whole at once (see `readSmallDocumentSync`); its descriptor stays open. */
export interface ReadDocument {
  descriptor: number
  /** Of the open file (fstat) before the read. */
  stats: Stats
  /** What was read: all of it, unless the file shrank meanwhile (then `after` tells). */
  bytes: Buffer
  /** Of the open file (fstat) after the read: the bytes are those of `stats` only when both agree. */
  after: Stats
}

/**
 * What `openDocument` and one whole read do, with synchronous calls: for a document of up to `maxBytes` on a
 * local file system, where each call returns within microseconds from the page cache, while each
 * asynchronous one costs a round trip through the thread pool and a turn of the event loop. The same
 * guarantees: opened without following a link in its last component, the real path of the open descriptor
 * inside the inbox, a regular file only. `undefined` when the document must take the asynchronous way: its
 * last component is a symlink (resolved there), it is larger than `maxBytes`, or there is no
 * `/proc/self/fd`. Throws file-system errors of the source (ENOENT, EACCES...).
 */
export function readSmallDocumentSync(
  context: ScanContext,
  path: string,
  maxBytes: number,
): ReadDocument | OpenRefusal | undefined {
  let descriptor: number
  try {
    descriptor = openSync(inboxPath(context.inbox, path), openFlags)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') return undefined
    throw error
  }
  try {
    const stats = fstatSync(descriptor)
    let real: string
    try {
      real = readlinkSync(`/proc/self/fd/${descriptor}`)
    } catch {
      closeSync(descriptor)
      return undefined
    }
    let refusal: OpenRefusal | undefined
    if (real.endsWith(' (deleted)')) refusal = { kind: 'changed' }
    else if (!within(context.realInbox, real)) refusal = outsideInbox()
    else if (!stats.isFile()) refusal = notAFile()
    if (refusal !== undefined || stats.size > maxBytes) {
      closeSync(descriptor)
      return refusal
    }
    const bytes = Buffer.alloc(stats.size)
    let filled = 0
    while (filled < bytes.length) {
      const bytesRead = readSync(descriptor, bytes, filled, bytes.length - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return { descriptor, stats, bytes: bytes.subarray(0, filled), after: fstatSync(descriptor) }
  } catch (error) {
    try {
      closeSync(descriptor)
    } catch {}
    throw error
  }
}

function notAFile(): OpenRefusal {
  return { kind: 'problem', reason: 'not a regular file (a pipe, socket or device)', code: 'NOT_A_FILE' }
}

function outsideInbox(): OpenRefusal {
  return {
    kind: 'problem',
    reason: 'the symlink leads out of the inbox and is not followed',
    code: 'OUTSIDE_INBOX',
  }
}

/**
 * The real path of the open file: what `/proc/self/fd/<fd>` links to on Linux; elsewhere the resolved path,
 * trusted only when it still names the very file that is open (same device and inode). `undefined` when the
 * file was replaced or deleted meanwhile.
 */
async function realPathOf(handle: FileHandle, opened: string, stats: Stats): Promise<string | undefined> {
  const link = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined)
  if (link !== undefined) return link.endsWith(' (deleted)') ? undefined : link
  const resolved = await realpath(opened).catch(() => undefined)
  if (resolved === undefined) return undefined
  const now = await stat(resolved).catch(() => undefined)
  return now && now.dev === stats.dev && now.ino === stats.ino ? resolved : undefined
}

/** Up to `length` bytes of the open file from `position`. */
export async function readRange(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, length))
  let filled = 0
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return buffer.subarray(0, filled)
}

/** Chunks of the first `size` bytes of the open file, read at their positions (the file offset is not used). */
async function* chunksOf(handle: FileHandle, start: number, end: number): AsyncGenerator<Uint8Array> {
  for (let position = start; position < end; ) {
    const chunk = await readRange(handle, position, Math.min(chunkBytes, end - position))
    if (chunk.length === 0) return
    position += chunk.length
    yield chunk
  }
}

/** The sha256 of the first `size` bytes of the open file. */
export async function sha256OfHandle(handle: FileHandle, size: number): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of chunksOf(handle, 0, size)) hash.update(chunk)
  return hash.digest('hex')
}

/** Which bytes of an open file a Blob holds: `size` bytes from `start`, of content type `type`. */
export interface BlobRange {
  size: number
  /** @default 0 */
  start?: number
  /** @default '' */
  type?: string
}

/**
 * The first `size` bytes of the open file as a Blob-like object: the client reads it in chunks, again on a
 * retry, without a copy in memory or on disk, and from this open file, whatever the path names meanwhile.
 */
export function handleBlob(handle: FileHandle, { size, start = 0, type = '' }: BlobRange): Blob {
  const end = start + size
  const blob = {
    size,
    type,
    stream: () => {
      const chunks = chunksOf(handle, start, end)
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await chunks.next()
          if (next.done) controller.close()
          else controller.enqueue(next.value)
        },
        async cancel() {
          await chunks.return(undefined)
        },
      })
    },
    arrayBuffer: async () => {
      const bytes = await readRange(handle, start, size)
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    },
    bytes: async () => new Uint8Array(await readRange(handle, start, size)),
    text: async () => (await readRange(handle, start, size)).toString('utf8'),
    slice: (from = 0, to = size, sliceType = '') => {
      const first = Math.min(size, Math.max(0, from < 0 ? size + from : from))
      const last = Math.min(size, Math.max(first, to < 0 ? size + to : to))
      return handleBlob(handle, { size: last - first, start: start + first, type: sliceType })
    },
  }
  return blob as unknown as Blob
}
