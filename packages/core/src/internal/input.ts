import { createHash } from 'node:crypto'
import {
  close as closeFile,
  closeSync,
  constants,
  createReadStream,
  createWriteStream,
  open as openFile,
  openSync,
  read as readInto,
  readSync,
  statSync,
} from 'node:fs'
import { mkdtemp, open, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { checkKnownOptions, rejectValue } from '@numarkdown/protocol'
import { NuMarkdownError } from '../errors.js'
import type { ConvertInput, DocumentData } from '../types.js'
import { documentInputKeys } from './option-keys.js'

/**
 * mime-types, loaded on the first upload rather than with the client: its database is a large JSON document that
 * importing the package must not pay for.
 */
let mimeTypes: Promise<typeof import('mime-types')> | undefined
const loadMimeTypes = () => (mimeTypes ??= import('mime-types').then((module) => module.default))

/**
 * Start loading the content-type table in the background (a client does when it is made), so that the first
 * upload does not wait for it: about 50 ms on an idle machine, several times that on a busy one. A failure is
 * left for that upload to meet and report.
 */
export function preloadContentTypes(): void {
  loadMimeTypes().catch(() => {
    mimeTypes = undefined
  })
}

/** Bytes are read (and sent) in chunks of this size: large enough for throughput, small enough for memory. */
export const chunkSize: number = 1024 * 1024
/** What magic-byte detection looks at (file-type's recommendation). */
const headSize = 4100

/** A document ready to upload: its name, type, size when known, and a way to read its bytes. */
export interface UploadSource {
  filename: string
  contentType: string
  /** Undefined for a stream that was not spooled. */
  size: number | undefined
  /** True when `open()` may be called again (a path, bytes, a Blob, or a spooled stream). */
  reReadable: boolean
  /** SHA-256 (hex) when already known (spooled streams). */
  sha256?: string
  /** The path on disk, when the bytes are in a file. */
  path?: string
  /** The bytes, when they are in memory already. */
  bytes?: Uint8Array
  /** A fresh stream of the bytes, in chunks of at most about 1 MiB. */
  open(): AsyncIterable<Uint8Array>
  /**
   * The whole content at once, without waiting, where that costs no wait: bytes in memory, a small file on a local
   * disk (synchronous calls, see `syncReadMaxBytes`). The same bytes as `open()` gives.
   */
  readNow?(): Uint8Array
  /** Removes temporary files. Safe to call twice. */
  dispose(): Promise<void>
}

export interface PrepareOptions {
  filename?: string
  contentType?: string
  /** Copy a one-shot stream to a temporary file first so that the upload can be retried. */
  spoolStreams: boolean
  signal?: AbortSignal
  /** The stat of the input's file, when {@link statAhead} started it already. */
  ahead?: FileStatAhead | undefined
}

/** The stat of the file an input names, started before the call's own checks (see {@link statAhead}). */
export interface FileStatAhead {
  path: string
  stat: Promise<{ size: number; localDisk: boolean }>
}

type WebStream = ReadableStream<Uint8Array>

function isNodeReadable(value: unknown): value is Readable {
  return (
    value instanceof Readable ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as Readable).pipe === 'function' &&
      typeof (value as Readable).on === 'function' &&
      typeof (value as Readable)[Symbol.asyncIterator] === 'function')
  )
}

function isWebStream(value: unknown): value is WebStream {
  return typeof value === 'object' && value !== null && typeof (value as WebStream).getReader === 'function'
}

function isBlob(value: unknown): value is Blob {
  return (
    typeof Blob !== 'undefined' &&
    (value instanceof Blob ||
      (typeof value === 'object' &&
        value !== null &&
        typeof (value as Blob).arrayBuffer === 'function' &&
        typeof (value as Blob).stream === 'function' &&
        typeof (value as Blob).size === 'number'))
  )
}

function isDataObject(
  value: unknown,
): value is { data: DocumentData; filename?: string; contentType?: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'data' in value &&
    !isBlob(value) &&
    !isNodeReadable(value) &&
    !isWebStream(value) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof URL)
  )
}

/** Splits bytes into chunks without copying them. */
function* sliceBytes(bytes: Uint8Array): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += chunkSize) {
    yield bytes.subarray(offset, Math.min(bytes.byteLength, offset + chunkSize))
  }
}

/**
 * Reads a file of `size` bytes (as stat saw it) in one read into a buffer of that size: a read stream would
 * allocate a fresh `chunkSize` buffer and read twice (the second to see the end), and a FileHandle costs an
 * object and a finalizer, the main costs of a small file. The bytes are given as soon as they are read; the
 * descriptor is closed meanwhile (a read-only descriptor has nothing left to report on close).
 */
function readSmallFile(path: string, size: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    openFile(path, 'r', (openError, descriptor) => {
      if (openError) return reject(openError)
      const buffer = Buffer.allocUnsafe(size)
      const finish = (failure: Error | null, filled: number) => {
        closeFile(descriptor, () => {})
        if (failure) reject(failure)
        else resolve(buffer.subarray(0, filled))
      }
      const readFrom = (filled: number): void =>
        readInto(descriptor, buffer, filled, size - filled, filled, (readError, bytesRead) => {
          if (readError) return finish(readError, filled)
          if (bytesRead === 0 || filled + bytesRead >= size) return finish(null, filled + bytesRead)
          readFrom(filled + bytesRead)
        })
      readFrom(0)
    })
  })
}

/**
 * Files up to this size on a local disk are read with synchronous calls: a few microseconds each from the page
 * cache, where each call through libuv's thread pool wakes a thread (0.15-0.25 ms apiece once the process has
 * been idle a moment, measured on a 2-core VM), three of them before an upload can start.
 */
const syncReadMaxBytes = 64 * 1024

/**
 * True when a file's `dev` (from stat, after symlinks) is a block device's, on Linux: a disk file system (ext4,
 * xfs...), answering from the page cache or the local disk. Network, FUSE, tmpfs, overlay and btrfs file systems
 * have anonymous devices (major number 0): their files keep the thread pool, where a slow server cannot stall
 * the event loop.
 */
export function onBlockDevice(dev: number): boolean {
  if (process.platform !== 'linux') return false
  // Linux's encoding of a device number: the major is bits 8-19, and bits 32 and up beyond 12 bits.
  const major = (Math.floor(dev / 0x100) & 0xfff) | (Math.floor(dev / 0x1_0000_0000) & ~0xfff)
  return major !== 0
}

/** {@link readSmallFile} with synchronous calls, for a small file on a local disk (see `syncReadMaxBytes`). */
function readSmallFileSync(path: string, size: number): Uint8Array {
  if (size === 0) return new Uint8Array(0)
  // O_NONBLOCK: a path swapped for a FIFO since its stat cannot block the event loop in open().
  const descriptor = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const buffer = Buffer.allocUnsafe(size)
    let filled = 0
    while (filled < size) {
      const bytesRead = readSync(descriptor, buffer, filled, size - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return buffer.subarray(0, filled)
  } finally {
    closeSync(descriptor)
  }
}

/** The file's bytes in chunks; a small one in one read, with `readNow` where it can be read at once. */
async function* readFileChunks(
  path: string,
  size: number,
  readNow: (() => Uint8Array) | undefined,
): AsyncGenerator<Uint8Array> {
  if (size <= chunkSize) {
    if (size === 0) return
    yield readNow ? readNow() : await readSmallFile(path, size)
    return
  }
  const stream = createReadStream(path, { highWaterMark: chunkSize })
  try {
    for await (const chunk of stream) yield chunk as Buffer
  } finally {
    stream.destroy()
  }
}

async function* readWebStream(stream: WebStream): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader()
  let finished = false
  try {
    while (true) {
      const { done, value } = await reader.read()
      if (done) {
        finished = true
        return
      }
      if (value && value.byteLength > 0) yield* sliceBytes(value)
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}

async function* readNodeStream(stream: Readable): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array)
      if (bytes.byteLength > 0) yield* sliceBytes(bytes)
    }
  } finally {
    if (!stream.destroyed && !stream.readableEnded) stream.destroy()
  }
}

async function readFileHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(headSize)
    const { bytesRead } = await handle.read(buffer, 0, headSize, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** The content type from the extension, then the magic bytes, else `application/octet-stream`. */
export async function detectContentType(
  filename: string | undefined,
  head: Uint8Array,
): Promise<{ contentType: string; extension?: string }> {
  if (filename) {
    const fromExtension = (await loadMimeTypes()).lookup(filename)
    if (fromExtension) return { contentType: fromExtension }
  }
  if (head.byteLength > 0) {
    const { fileTypeFromBuffer } = await import('file-type')
    const detected = await fileTypeFromBuffer(head)
    if (detected) return { contentType: detected.mime, extension: detected.ext }
  }
  return { contentType: 'application/octet-stream' }
}

function pathFrom(value: string | URL): string {
  if (value instanceof URL || value.startsWith('file://')) {
    const url = value instanceof URL ? value : new URL(value)
    if (url.protocol !== 'file:') rejectValue('input', 'a file path or a file: URL', url.protocol)
    return fileURLToPath(url)
  }
  return value
}

/**
 * Starts the stat of the file `input` names by its path, if it does, before the call's own checks and set-up: a
 * stat that goes through libuv's thread pool (see `localFolders`) then waits while they run, not after them. A
 * failure is reported where the stat would have been made, by {@link prepareUpload}; one never awaited (the call
 * failed its checks) is dropped.
 */
export function statAhead(input: unknown): FileStatAhead | undefined {
  const data = isDataObject(input) ? input.data : input
  if (typeof data !== 'string' || data.trim() === '' || data.startsWith('file://')) return undefined
  const stat = fileSize(data)
  stat.catch(() => {})
  return { path: data, stat }
}

/**
 * Folders whose files were last seen on a local disk (see {@link onBlockDevice}), and when: a file in one is
 * stat'ed with a synchronous call (microseconds) instead of a round trip through libuv's thread pool (0.2-0.45 ms
 * once the process has been idle a moment, measured on a 2-core VM, before the upload can start). A folder is
 * trusted for `localFolderTrustMs` after its last stat through the pool: a network or FUSE mount laid over it, or
 * a link on its path turned elsewhere, is noticed that soon; a file found on any other device forgets it at once.
 */
const localFolders = new Map<string, number>()
const localFolderTrustMs = 10_000
const maxLocalFolders = 256

/** Whether files in `folder` were seen on a local disk lately. */
function seenOnLocalDisk(folder: string, now: number): boolean {
  const seenAt = localFolders.get(folder)
  return seenAt !== undefined && now - seenAt < localFolderTrustMs
}

/** Remembers (or forgets) that `folder` holds files on a local disk; the oldest folder goes past the bound. */
function rememberFolder(folder: string, localDisk: boolean, now: number): void {
  localFolders.delete(folder)
  if (!localDisk) return
  if (localFolders.size >= maxLocalFolders) localFolders.delete(localFolders.keys().next().value!)
  localFolders.set(folder, now)
}

async function fileSize(path: string): Promise<{ size: number; localDisk: boolean }> {
  const folder = dirname(resolve(path))
  const now = Date.now()
  try {
    const trusted = seenOnLocalDisk(folder, now)
    const info = trusted ? statSync(path) : await stat(path)
    const localDisk = onBlockDevice(info.dev)
    // A synchronous stat does not renew the trust: only one through the pool (or on another device) does.
    if (!trusted || !localDisk) rememberFolder(folder, localDisk, now)
    if (!info.isFile()) rejectValue('input', 'a path to a regular file', path)
    return { size: info.size, localDisk }
  } catch (error) {
    if (error instanceof NuMarkdownError) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw new NuMarkdownError(`Cannot read ${JSON.stringify(path)}: ${(error as Error).message}`, {
      ...(code ? { code } : {}),
      cause: error,
    })
  }
}

/**
 * Copies a one-shot stream to a temporary file, hashing it on the way. At most one chunk waits ahead of the
 * disk (a stream made from an iterable buffers 16 chunks by default, 16 MiB for 1 MiB chunks).
 */
async function spool(
  chunks: AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<{ path: string; size: number; sha256: string; remove(): Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'numarkdown-upload-'))
  const remove = () => rm(folder, { recursive: true, force: true })
  const path = join(folder, 'upload')
  const hash = createHash('sha256')
  let size = 0
  try {
    await pipeline(
      Readable.from(
        (async function* () {
          for await (const chunk of chunks) {
            hash.update(chunk)
            size += chunk.byteLength
            yield chunk
          }
        })(),
        { highWaterMark: 1 },
      ),
      createWriteStream(path),
      signal ? { signal } : {},
    )
  } catch (error) {
    await remove()
    throw error
  }
  return { path, size, sha256: hash.digest('hex'), remove }
}

/** A file on disk to upload: where it is, its size, its name and type, and how to remove it when temporary. */
interface FileUpload {
  path: string
  size: number
  filename: string
  contentType: string
  /** Set for a spooled stream: the temporary file goes with the source. */
  remove?: () => Promise<void>
  /** On a local disk (see `onBlockDevice`): a small file is read with synchronous calls. */
  localDisk?: boolean
}

function fileSource({
  path,
  size,
  filename,
  contentType,
  remove,
  localDisk = false,
}: FileUpload): UploadSource {
  let disposed = false
  const readNow = localDisk && size <= syncReadMaxBytes ? () => readSmallFileSync(path, size) : undefined
  return {
    filename,
    contentType,
    size,
    reReadable: true,
    path,
    open: () => readFileChunks(path, size, readNow),
    ...(readNow ? { readNow } : {}),
    dispose: async () => {
      if (disposed || !remove) return
      disposed = true
      await remove()
    },
  }
}

/** Picks the filename: the one given, else from the path or File name, else `document` (+ a detected extension). */
function chooseName(given: string | undefined, derived: string | undefined): string | undefined {
  const name = given ?? derived
  if (name === undefined) return undefined
  const clean = basename(name.replaceAll('\\', '/'))
  return clean === '' || clean === '.' || clean === '..' ? undefined : clean
}

/** What an input says of itself: a name (a path's, a File's) and a type (a Blob's), and its first bytes. */
interface DerivedFacts {
  name?: string | undefined
  type?: string | undefined
  /** Read only when neither the caller, the name nor the type tells the content type. */
  head: () => Promise<Uint8Array>
}

/** The filename and content type of an upload: what the caller gave, else what the input says, else detected. */
async function finish(
  given: { filename?: string; contentType?: string },
  derived: DerivedFacts,
): Promise<{ filename: string; contentType: string }> {
  const derivedType = derived.type
  const head = derived.head
  const name = chooseName(given.filename, derived.name)
  if (given.contentType) return { filename: name ?? 'document', contentType: given.contentType }
  const fromExtension = name && extname(name) ? (await loadMimeTypes()).lookup(name) : false
  if (fromExtension) return { filename: name ?? 'document', contentType: fromExtension }
  if (derivedType && derivedType !== 'application/octet-stream') {
    return { filename: name ?? 'document', contentType: derivedType }
  }
  const detected = await detectContentType(undefined, await head())
  const filename = name ?? (detected.extension ? `document.${detected.extension}` : 'document')
  return { filename, contentType: detected.contentType }
}

/**
 * Normalises any accepted input into an UploadSource with bounded memory: paths and Blobs are read in chunks,
 * bytes are sliced without copies, and one-shot streams are either spooled to a temporary file (so a retry can
 * read them again) or read once.
 */
export async function prepareUpload(input: ConvertInput, options: PrepareOptions): Promise<UploadSource> {
  let data: unknown = input
  const given: { filename?: string; contentType?: string } = {}
  if (isDataObject(input)) {
    checkKnownOptions(input, documentInputKeys, 'the document input')
    data = input.data
    if (input.filename !== undefined) given.filename = input.filename
    if (input.contentType !== undefined) given.contentType = input.contentType
  }
  if (options.filename !== undefined) given.filename = options.filename
  if (options.contentType !== undefined) given.contentType = options.contentType
  if (given.filename !== undefined && (typeof given.filename !== 'string' || given.filename.trim() === '')) {
    rejectValue('filename', 'a non-empty string', given.filename)
  }
  if (
    given.contentType !== undefined &&
    (typeof given.contentType !== 'string' || !/^[\w.+-]+\/[\w.+-]+/.test(given.contentType))
  ) {
    rejectValue('contentType', 'a media type such as application/pdf', given.contentType)
  }

  if (typeof data === 'string' || data instanceof URL) {
    if (typeof data === 'string' && data.trim() === '') rejectValue('input', 'a file path', data)
    const path = pathFrom(data)
    const { size, localDisk } = await (options.ahead?.path === path ? options.ahead.stat : fileSize(path))
    const { filename, contentType } = await finish(given, {
      name: basename(path),
      head: () => readFileHead(path),
    })
    return fileSource({ path, size, filename, contentType, localDisk })
  }

  if (data instanceof ArrayBuffer) data = new Uint8Array(data)
  if (data instanceof Uint8Array) {
    const bytes = data
    const { filename, contentType } = await finish(given, { head: async () => bytes.subarray(0, headSize) })
    return {
      filename,
      contentType,
      size: bytes.byteLength,
      reReadable: true,
      bytes,
      open: async function* () {
        yield* sliceBytes(bytes)
      },
      readNow: () => bytes,
      dispose: async () => {},
    }
  }

  if (isBlob(data)) {
    const blob = data
    const name =
      typeof (blob as File).name === 'string' && (blob as File).name ? (blob as File).name : undefined
    const { filename, contentType } = await finish(given, {
      name,
      type: blob.type || undefined,
      head: async () => new Uint8Array(await blob.slice(0, headSize).arrayBuffer()),
    })
    return {
      filename,
      contentType,
      size: blob.size,
      reReadable: true,
      open: () => readWebStream(blob.stream() as WebStream),
      dispose: async () => {},
    }
  }

  if (isNodeReadable(data) || isWebStream(data)) {
    const streamPath =
      isNodeReadable(data) && typeof (data as { path?: unknown }).path === 'string'
        ? (data as unknown as { path: string }).path
        : undefined
    const chunks = isNodeReadable(data) ? readNodeStream(data) : readWebStream(data)
    if (options.spoolStreams) {
      const spooled = await spool(chunks, options.signal)
      try {
        const { filename, contentType } = await finish(given, {
          name: streamPath && basename(streamPath),
          head: () => readFileHead(spooled.path),
        })
        return {
          ...fileSource({
            path: spooled.path,
            size: spooled.size,
            filename,
            contentType,
            remove: spooled.remove,
          }),
          sha256: spooled.sha256,
        }
      } catch (error) {
        await spooled.remove()
        throw error
      }
    }
    // Read once: peek at the head for detection, then replay it before the rest.
    const iterator = chunks[Symbol.asyncIterator]()
    const head: Uint8Array[] = []
    let headBytes = 0
    let ended = false
    while (headBytes < headSize) {
      const next = await iterator.next()
      if (next.done) {
        ended = true
        break
      }
      head.push(next.value)
      headBytes += next.value.byteLength
    }
    const { filename, contentType } = await finish(given, {
      name: streamPath && basename(streamPath),
      head: async () => Buffer.concat(head).subarray(0, headSize),
    })
    let opened = false
    return {
      filename,
      contentType,
      size: ended ? headBytes : undefined,
      reReadable: false,
      open: () => {
        if (opened)
          throw new NuMarkdownError('The input stream was already consumed', { code: 'stream_consumed' })
        opened = true
        return (async function* () {
          yield* head
          head.length = 0
          if (ended) return
          try {
            while (true) {
              const next = await iterator.next()
              if (next.done) return
              yield next.value
            }
          } finally {
            await iterator.return?.(undefined)
          }
        })()
      },
      dispose: async () => {
        if (!opened) await iterator.return?.(undefined)
      },
    }
  }

  return rejectValue(
    'input',
    'a file path, a file URL, a Buffer/Uint8Array, a Blob/File, a Node Readable, a Web ReadableStream or { data, filename?, contentType? }',
    data,
  )
}
