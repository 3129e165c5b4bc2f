import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, constants, existsSync, openSync, statSync } from 'node:fs'
import { type FileHandle, mkdtemp, open, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { makePdf, tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ValidationError } from '../errors.js'
import { onBlockDevice, prepareUpload, type UploadSource } from './input.js'
import { digestSource, multipartBody } from './multipart.js'

async function collect(source: UploadSource): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of source.open()) chunks.push(chunk)
  return Buffer.concat(chunks)
}

let folder: { path: string; remove(): Promise<void> }
let pdf: Uint8Array
beforeAll(async () => {
  folder = await tempDir()
  pdf = await makePdf(['one'])
})
afterAll(() => folder.remove())

describe('prepareUpload', () => {
  it('reads a path: name from the path, type from the extension, size from stat', async () => {
    const path = join(folder.path, 'notes.md')
    await writeFile(path, '# Notes')
    const source = await prepareUpload(path, { spoolStreams: true })
    expect(source).toMatchObject({
      filename: 'notes.md',
      contentType: 'text/markdown',
      size: 7,
      reReadable: true,
    })
    expect((await collect(source)).toString()).toBe('# Notes')
    const fromUrl = await prepareUpload(pathToFileURL(path), { spoolStreams: true })
    expect(fromUrl.filename).toBe('notes.md')
  })

  it('detects the type of nameless bytes from magic bytes and names them document.<ext>', async () => {
    const source = await prepareUpload(Buffer.from(pdf), { spoolStreams: true })
    expect(source).toMatchObject({
      filename: 'document.pdf',
      contentType: 'application/pdf',
      size: pdf.byteLength,
    })
    const unknown = await prepareUpload(new Uint8Array([1, 2, 3]), { spoolStreams: true })
    expect(unknown).toMatchObject({ filename: 'document', contentType: 'application/octet-stream' })
  })

  it('takes the name and type of a File, and explicit ones over everything', async () => {
    const file = new File([new Uint8Array(pdf)], 'scan.pdf', { type: 'application/pdf' })
    expect(await prepareUpload(file, { spoolStreams: true })).toMatchObject({
      filename: 'scan.pdf',
      size: pdf.byteLength,
    })
    const given = await prepareUpload(
      { data: file, filename: 'other.bin', contentType: 'image/png' },
      { spoolStreams: true },
    )
    expect(given).toMatchObject({ filename: 'other.bin', contentType: 'image/png' })
    const blob = await prepareUpload(new Blob([new Uint8Array(pdf)]), { spoolStreams: true })
    expect(blob).toMatchObject({ filename: 'document.pdf', contentType: 'application/pdf' })
    expect(Buffer.compare(await collect(blob), Buffer.from(pdf))).toBe(0)
  })

  it('spools a one-shot stream to a temporary file it removes on dispose', async () => {
    const source = await prepareUpload(Readable.from([Buffer.from(pdf)]), { spoolStreams: true })
    expect(source).toMatchObject({ filename: 'document.pdf', reReadable: true, size: pdf.byteLength })
    expect(source.sha256).toBe(createHash('sha256').update(pdf).digest('hex'))
    expect(source.path && existsSync(source.path)).toBe(true)
    expect(Buffer.compare(await collect(source), Buffer.from(pdf))).toBe(0)
    await source.dispose()
    expect(existsSync(source.path!)).toBe(false)
    expect(existsSync(dirname(source.path!))).toBe(false)
  })

  it('reads a Web stream once when not spooled, replaying the peeked head', async () => {
    const bytes = Buffer.alloc(10_000, 7)
    bytes.set(pdf.subarray(0, 8), 0)
    const web = Readable.toWeb(
      Readable.from([bytes.subarray(0, 100), bytes.subarray(100)]),
    ) as ReadableStream<Uint8Array>
    const source = await prepareUpload(web, { spoolStreams: false })
    expect(source).toMatchObject({ reReadable: false, contentType: 'application/pdf' })
    expect(Buffer.compare(await collect(source), bytes)).toBe(0)
    expect(() => source.open()).toThrow(/already consumed/)
  })

  it('takes the name of an fs.ReadStream', async () => {
    const { createReadStream } = await import('node:fs')
    const path = join(folder.path, 'data.csv')
    await writeFile(path, 'a,b\n1,2\n')
    const source = await prepareUpload(createReadStream(path), { spoolStreams: true })
    expect(source).toMatchObject({ filename: 'data.csv', contentType: 'text/csv' })
    await source.dispose()
  })

  it('rejects what it cannot read, naming it', async () => {
    await expect(prepareUpload(42 as never, { spoolStreams: true })).rejects.toThrow(ValidationError)
    await expect(
      prepareUpload(join(folder.path, 'missing.pdf'), { spoolStreams: true }),
    ).rejects.toMatchObject({
      code: 'ENOENT',
    })
    await expect(prepareUpload(folder.path, { spoolStreams: true })).rejects.toThrow(/regular file/)
    await expect(prepareUpload(new URL('https://x.test/a.pdf'), { spoolStreams: true })).rejects.toThrow(
      /https/,
    )
  })
})

describe('reading a file from its path', () => {
  const content = (size: number) => Buffer.from(Array.from({ length: size }, (_, index) => index % 251))

  it('gives the same bytes from a disk file system and from one without a block device, small and large', async () => {
    // /tmp here is a disk file system (read synchronously when small); /dev/shm is tmpfs (always through the pool).
    const folders = [folder.path]
    if (existsSync('/dev/shm')) folders.push(await mkdtemp('/dev/shm/numarkdown-input-'))
    try {
      for (const where of folders) {
        for (const size of [1, 4096, 64 * 1024, 64 * 1024 + 1, 1024 * 1024 + 3]) {
          const path = join(where, `file-${size}.bin`)
          const bytes = content(size)
          await writeFile(path, bytes)
          const source = await prepareUpload(path, { spoolStreams: true })
          expect(source.size).toBe(size)
          expect((await collect(source)).equals(bytes), `${path}`).toBe(true)
          // Read again, as a retry does.
          expect((await collect(source)).equals(bytes), `${path}, again`).toBe(true)
          // At once, for a small file on a disk file system only: the same bytes.
          const atOnce = where === folder.path && size <= 64 * 1024 && onBlockDevice(statSync(where).dev)
          expect(source.readNow !== undefined, `${path}: read at once`).toBe(atOnce)
          if (source.readNow)
            expect(Buffer.from(source.readNow()).equals(bytes), `${path}, at once`).toBe(true)
        }
      }
    } finally {
      for (const where of folders.slice(1)) await rm(where, { recursive: true, force: true })
    }
  })

  it('tells a block device from an anonymous one by the major number of a Linux device number', () => {
    if (process.platform !== 'linux') return
    expect(onBlockDevice(8 * 256 + 1)).toBe(true) // 8:1, a SCSI disk's first partition
    expect(onBlockDevice(259 * 256 + 3)).toBe(true) // 259:3, an NVMe namespace
    expect(onBlockDevice(4096 * 2 ** 32 + 5)).toBe(true) // a major past 12 bits
    expect(onBlockDevice(0x2a)).toBe(false) // 0:42, NFS, FUSE, tmpfs or overlay
    expect(onBlockDevice(44 | (256 << 12))).toBe(false) // 0:300, a minor past 8 bits
    expect(onBlockDevice(statSync('/proc/self/status').dev)).toBe(false)
  })

  it('stats a file without the thread pool where its folder was seen on a local disk lately, and only there', async () => {
    if (process.platform !== 'linux' || !onBlockDevice(statSync(folder.path).dev)) return
    const local = await mkdtemp(join(folder.path, 'seen-'))
    const unseen = await mkdtemp(join(folder.path, 'unseen-'))
    const memory = existsSync('/dev/shm') ? await mkdtemp('/dev/shm/numarkdown-seen-') : undefined
    for (const where of [local, unseen, memory]) {
      if (where === undefined) continue
      for (const name of ['a.md', 'b.md', 'c.md']) await writeFile(join(where, name), `# ${name}`)
    }
    // Every thread of libuv's pool waits in the open of a FIFO no one writes to, until the test opens them too.
    const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4)
    const fifos = Array.from({ length: poolSize }, (_, index) => join(unseen, `fifo-${index}`))
    const blocked: Promise<FileHandle>[] = []
    const pending = (promise: Promise<unknown>) => {
      const state = { settled: false }
      promise.then(
        () => (state.settled = true),
        () => (state.settled = true),
      )
      return state
    }
    try {
      await prepareUpload(join(local, 'a.md'), { spoolStreams: true })
      if (memory) await prepareUpload(join(memory, 'a.md'), { spoolStreams: true })
      for (const fifo of fifos) execFileSync('mkfifo', [fifo])
      for (const fifo of fifos) blocked.push(open(fifo, 'r'))
      const throughPool = [prepareUpload(join(unseen, 'a.md'), { spoolStreams: true })]
      if (memory) throughPool.push(prepareUpload(join(memory, 'b.md'), { spoolStreams: true }))
      const states = throughPool.map(pending)
      // Answered with the pool stuck: a synchronous stat. (Through the pool it would wait for the test's timeout.)
      const seen = await prepareUpload(join(local, 'b.md'), { spoolStreams: true })
      expect(seen.size).toBe('# b.md'.length)
      await new Promise((resolve) => setTimeout(resolve, 20))
      // A folder not seen yet, and tmpfs (no block device), wait for the pool.
      expect(states.map((state) => state.settled)).toEqual(throughPool.map(() => false))
      // Past the trust, the seen folder goes through the pool again.
      vi.useFakeTimers({ toFake: ['Date'] })
      vi.setSystemTime(Date.now() + 11_000)
      const expired = pending(prepareUpload(join(local, 'c.md'), { spoolStreams: true }))
      vi.useRealTimers()
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(expired.settled).toBe(false)
    } finally {
      vi.useRealTimers()
      // Opening each FIFO for writing lets its reader's open return, and the pool go on. Synchronously: the
      // pool is stuck, and with a reader waiting such an open returns at once.
      const writers = fifos
        .filter(existsSync)
        .map((fifo) => openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK))
      for (const handle of await Promise.all(blocked)) await handle.close()
      for (const descriptor of writers) closeSync(descriptor)
      await rm(local, { recursive: true, force: true })
      await rm(unseen, { recursive: true, force: true })
      if (memory) await rm(memory, { recursive: true, force: true })
    }
  })
})

describe('multipartBody', () => {
  it('frames one file part with a known length and hashes it', async () => {
    const source = await prepareUpload(
      { data: Buffer.from('hello'), filename: 'a "b".txt' },
      { spoolStreams: true },
    )
    const body = multipartBody(source)
    const chunks: Uint8Array[] = []
    for await (const chunk of body.stream()) chunks.push(chunk)
    const text = Buffer.concat(chunks).toString()
    expect(Buffer.concat(chunks).byteLength).toBe(body.contentLength)
    expect(text).toContain('Content-Disposition: form-data; name="file"; filename="a %22b%22.txt"')
    expect(text).toContain('Content-Type: text/plain')
    const boundary = body.contentType.split('boundary=')[1]
    expect(text.endsWith(`\r\n--${boundary}--\r\n`)).toBe(true)
    expect(body.digest()).toEqual({ size: 5, sha256: createHash('sha256').update('hello').digest('hex') })
    expect(await digestSource(source)).toEqual(body.digest())
  })

  it('gives the digest of the last whole pass, once it is asked for', async () => {
    const path = join(folder.path, 'changing.md')
    await writeFile(path, 'first')
    const source = await prepareUpload(path, { spoolStreams: true })
    const body = multipartBody(source)
    expect(body.digest()).toBeUndefined()
    await body.bytes()
    await writeFile(path, 'other')
    // The bytes sent, not the file as it is now.
    expect(body.digest()).toEqual({ size: 5, sha256: createHash('sha256').update('first').digest('hex') })
    await body.bytes()
    expect(body.digest()).toEqual({ size: 5, sha256: createHash('sha256').update('other').digest('hex') })
  })
})
