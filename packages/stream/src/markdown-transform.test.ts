import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ProgressEvent } from '@numarkdown/core'
import { corpusPath, eventually } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { InvalidChunkError, InvalidOptionError } from './errors.js'
import { MarkdownTransform, toMarkdown } from './markdown-transform.js'
import { closed, settle, useHarness } from './test-helpers.js'
import type { MarkdownInfo } from './types.js'

const harnesses = useHarness()
const setup = harnesses.setup

async function summaryOf(name: string): Promise<string> {
  const bytes = await readFile(corpusPath(name))
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  return `# ${name}\n\n- Content type: application/pdf\n- Size: ${bytes.length} bytes\n- SHA-256: ${sha256}\n`
}

describe('toMarkdown over HTTP', () => {
  it('converts a PDF read from disk into a markdown file, with info before the end and progress', async () => {
    const { client, spoolDirectory, spoolFiles } = await setup()
    const transform = toMarkdown({ client, filename: 'multi_page.pdf', spoolDirectory })
    const events: string[] = []
    const progress: ProgressEvent[] = []
    let info: MarkdownInfo | undefined
    transform.on('info', (details: MarkdownInfo) => {
      info = details
      events.push('info')
    })
    transform.on('progress', (event: ProgressEvent) => progress.push(event))
    transform.on('data', () => events.push('data'))
    transform.on('end', () => events.push('end'))
    const output = join(spoolDirectory, 'out.md')
    await pipeline(createReadStream(corpusPath('multi_page.pdf')), transform, createWriteStream(output))
    expect(await readFile(output, 'utf8')).toBe(await summaryOf('multi_page.pdf'))
    expect(events[0]).toBe('info')
    expect(events.at(-1)).toBe('end')
    expect(info).toMatchObject({
      partial: false,
      recovered: false,
      reasoning: expect.stringContaining('multi_page'),
    })
    expect(info?.jobId).toEqual(expect.any(String))
    expect(info?.usage?.totalTokens).toBeGreaterThan(0)
    expect(progress.map((event) => event.type)).toEqual(expect.arrayContaining(['submitted', 'done']))
    expect(await harnesses.current.jobStatus(info!.jobId)).toBe('completed')
    expect(await spoolFiles()).toEqual(['out.md'])
  })

  it('keeps text as it is, and puts the reasoning first in an HTML comment when asked', async () => {
    const { client } = await setup()
    const html = await readFile(corpusPath('example_03.html'), 'utf8')
    const chunks: Buffer[] = []
    await pipeline(
      createReadStream(corpusPath('example_03.html')),
      toMarkdown({ client, filename: 'example_03.html', includeReasoning: true }),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) chunks.push(chunk)
      },
    )
    const text = Buffer.concat(chunks).toString('utf8')
    expect(text).toMatch(/^<!-- reasoning\nRead example_03\.html .*\n-->\n\n/)
    expect(text.endsWith(html)).toBe(true)
  })

  it('spools an input above the threshold to a file, uploads it with a known length, then deletes it', async () => {
    const { client, engine, spoolDirectory, spoolFiles } = await setup({ hold: true })
    const name = 'redp5110_sampled.pdf'
    const { size } = await import('node:fs/promises').then((fs) => fs.stat(corpusPath(name)))
    const uploads: ProgressEvent[] = []
    const transform = toMarkdown({
      client,
      filename: name,
      spoolThresholdBytes: 64 * 1024,
      spoolDirectory,
      onProgress: (event) => event.type === 'upload' && uploads.push(event),
    })
    const done = pipeline(
      createReadStream(corpusPath(name)),
      transform,
      new Writable({ write: (_c, _e, cb) => cb() }),
    )
    const [held] = await engine.gate.whenWaiting(1)
    expect(held?.size).toBe(size)
    expect(await spoolFiles()).toHaveLength(1)
    expect(transform.spoolPath).toMatch(/numarkdown-.*\.spool$/)
    engine.gate.release()
    await done
    expect(uploads.at(-1)).toMatchObject({ totalBytes: size })
    expect(await spoolFiles()).toEqual([])
    expect(transform.spoolPath).toBeUndefined()
  })

  it('has closed by the time pipeline resolves when nothing is left to release, spool directory untouched', async () => {
    const { client } = await setup()
    // A directory that does not exist: a small document must never need it.
    const transform = toMarkdown({ client, filename: 'a.txt', spoolDirectory: '/nonexistent/spool' })
    const chunks: Buffer[] = []
    await pipeline(
      Readable.from([Buffer.from('hello')]),
      transform,
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk)
          callback()
        },
      }),
    )
    expect(Buffer.concat(chunks).toString('utf8')).toBe('hello')
    expect(transform.closed).toBe(true)
  })

  it('rejects strings and objects with an error naming what was received, before any request', async () => {
    const { client, submits } = await setup()
    await expect(
      pipeline(
        Readable.from(['# not bytes']),
        toMarkdown({ client }),
        new Writable({ write: (_c, _e, cb) => cb() }),
      ),
    ).rejects.toThrow(/expected document bytes.*got "# not bytes"/)
    const failure = await pipeline(
      Readable.from([{ page: 1 }]),
      toMarkdown({ client }),
      new Writable({ write: (_c, _e, cb) => cb() }),
    ).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(InvalidChunkError)
    expect((failure as Error).message).toContain('got an object (Object)')
    expect(submits()).toBe(0)
  })

  it('validates options at construction, naming the value received', async () => {
    const { client } = await setup()
    expect(() => toMarkdown({ client, temperature: 3.4 })).toThrow(InvalidOptionError)
    expect(() => toMarkdown({ client, temperature: 3.4 })).toThrow(
      'temperature: expected 0 ≤ temperature ≤ 1, got 3.4',
    )
    expect(() => toMarkdown({ client, spoolThresholdBytes: -1 })).toThrow(/spoolThresholdBytes.*got -1/)
    expect(() => toMarkdown({ client: 'token' as never })).toThrow(/client.*got "token"/)
  })

  it('a source error rejects the pipeline, deletes the temp file and submits nothing', async () => {
    const { client, spoolDirectory, spoolFiles, submits } = await setup()
    const pdf = await readFile(corpusPath('multi_page.pdf'))
    async function* failingSource() {
      yield pdf.subarray(0, 64 * 1024)
      yield pdf.subarray(64 * 1024)
      throw new Error('disk went away')
    }
    const transform = toMarkdown({ client, spoolThresholdBytes: 1024, spoolDirectory })
    await expect(
      pipeline(Readable.from(failingSource()), transform, new Writable({ write: (_c, _e, cb) => cb() })),
    ).rejects.toThrow('disk went away')
    await closed(transform)
    expect(await spoolFiles()).toEqual([])
    expect(submits()).toBe(0)
  })

  it('with .pipe() instead of pipeline, a source error leaves the temp file until the stream is destroyed', async () => {
    const { client, spoolDirectory, spoolFiles } = await setup()
    const source = new Readable({ read() {} })
    source.on('error', () => {})
    const transform = toMarkdown({ client, spoolThresholdBytes: 1024, spoolDirectory })
    source.pipe(transform)
    source.push(Buffer.alloc(64 * 1024, 1))
    await eventually(async () => (await spoolFiles()).length === 1, 'the temp file')
    source.destroy(new Error('disk went away'))
    await closed(source)
    await settle(50)
    // This is the leak `.pipe()` has: nothing told the transform. pipeline() destroys it; here it is done by hand.
    expect(transform.destroyed).toBe(false)
    expect(await spoolFiles()).toHaveLength(1)
    transform.destroy()
    await closed(transform)
    expect(await spoolFiles()).toEqual([])
  })

  it('a sink error rejects the pipeline and leaves no temp file', async () => {
    const { client, spoolDirectory, spoolFiles } = await setup()
    const sink = new Writable({ write: (_chunk, _encoding, callback) => callback(new Error('disk full')) })
    const transform = toMarkdown({ client, spoolThresholdBytes: 0, spoolDirectory })
    await expect(pipeline(createReadStream(corpusPath('multi_page.pdf')), transform, sink)).rejects.toThrow(
      'disk full',
    )
    await closed(transform)
    expect(await spoolFiles()).toEqual([])
  })

  it('a failed job rejects the pipeline with core’s JobFailedError and leaves no temp file', async () => {
    const { client, spoolDirectory, spoolFiles } = await setup({
      outcome: { type: 'fail', code: 'InvalidDocument', message: 'The PDF is encrypted' },
    })
    const failure = await pipeline(
      createReadStream(corpusPath('multi_page.pdf')),
      toMarkdown({ client, spoolThresholdBytes: 0, spoolDirectory }),
      new Writable({ write: (_c, _e, cb) => cb() }),
    ).catch((error: unknown) => error)
    expect(failure).toMatchObject({ name: 'JobFailedError', code: 'InvalidDocument' })
    expect((failure as Error).message).toContain('The PDF is encrypted')
    expect(await spoolFiles()).toEqual([])
  })

  it('a server answering 500 rejects the pipeline with core’s ServerError and leaves no temp file', async () => {
    const { client, spoolDirectory, spoolFiles } = await setup(
      {},
      { faults: { rules: [{ route: 'submit', fault: { type: 'status', status: 500 } }] } },
    )
    const transform = toMarkdown({ client, spoolThresholdBytes: 0, spoolDirectory })
    const failure = await pipeline(
      createReadStream(corpusPath('multi_page.pdf')),
      transform,
      new Writable({ write: (_c, _e, cb) => cb() }),
    ).catch((error: unknown) => error)
    expect(failure).toMatchObject({ name: 'ServerError', status: 500 })
    await closed(transform)
    expect(await spoolFiles()).toEqual([])
    expect(await harnesses.current.jobs()).toEqual([])
  })

  it('destroy() while the job runs deletes the temp file before close and cancels the remote job', async () => {
    const { client, engine, spoolDirectory, spoolFiles } = await setup({ hold: true })
    let jobId: string | undefined
    const transform = toMarkdown({
      client,
      spoolThresholdBytes: 0,
      spoolDirectory,
      onProgress: (event) => {
        if (event.type === 'submitted') jobId = event.jobId
      },
    })
    const done = pipeline(
      createReadStream(corpusPath('multi_page.pdf')),
      transform,
      new Writable({ write: (_c, _e, cb) => cb() }),
    )
    await engine.gate.whenWaiting(1)
    await eventually(() => jobId !== undefined, 'the job ID')
    expect(await spoolFiles()).toHaveLength(1)
    transform.destroy()
    await expect(done).rejects.toThrow(/premature close/i)
    expect(await spoolFiles()).toEqual([])
    // The remote cancel runs in the background of a client the caller owns.
    await eventually(
      async () => (await harnesses.current.jobStatus(jobId!)) === 'cancelled',
      'the job to be cancelled',
    )
    expect(
      harnesses.current.server.server.requests.some(
        (entry) => entry.route === 'cancel' && entry.jobId === jobId,
      ),
    ).toBe(true)
  })

  it('an aborted signal while the job runs rejects the pipeline and cancels the remote job', async () => {
    const { client, engine, spoolDirectory, spoolFiles } = await setup({ hold: true })
    const controller = new AbortController()
    let jobId: string | undefined
    const done = pipeline(
      createReadStream(corpusPath('multi_page.pdf')),
      toMarkdown({
        client,
        signal: controller.signal,
        spoolThresholdBytes: 0,
        spoolDirectory,
        onProgress: (event) => {
          if (event.type === 'submitted') jobId = event.jobId
        },
      }),
      new Writable({ write: (_c, _e, cb) => cb() }),
    )
    await engine.gate.whenWaiting(1)
    await eventually(() => jobId !== undefined, 'the job ID')
    controller.abort()
    await expect(done).rejects.toMatchObject({ name: 'AbortError' })
    expect(await spoolFiles()).toEqual([])
    await eventually(
      async () => (await harnesses.current.jobStatus(jobId!)) === 'cancelled',
      'the job to be cancelled',
    )
  })

  it('destroy() during the upload leaves no temp file and no job behind', async () => {
    // The server stalls before reading the body, so the upload is still under way when the stream is destroyed.
    const { client, spoolDirectory, spoolFiles } = await setup(
      {},
      { faults: { rules: [{ route: 'submit', fault: { type: 'delay', ms: 60_000 } }] } },
    )
    const name = 'redp5110_sampled.pdf'
    const transform = new MarkdownTransform({
      client,
      filename: name,
      spoolThresholdBytes: 0,
      spoolDirectory,
    })
    let uploading = false
    transform.on('progress', (event: ProgressEvent) => {
      if (event.type === 'upload' && !uploading) {
        uploading = true
        transform.destroy(new Error('user gave up'))
      }
    })
    await expect(
      pipeline(createReadStream(corpusPath(name)), transform, new Writable({ write: (_c, _e, cb) => cb() })),
    ).rejects.toThrow('user gave up')
    expect(uploading).toBe(true)
    expect(await spoolFiles()).toEqual([])
    await settle()
    const jobs = await harnesses.current.jobs()
    expect(jobs.filter((job) => job.status !== 'cancelled')).toEqual([])
  })

  it('never holds more than highWaterMark bytes of markdown for a reader that does not read', async () => {
    const { client } = await setup()
    const highWaterMark = 4 * 1024
    const transform = toMarkdown({ client, filename: 'wiki_duck.html', highWaterMark })
    const info = new Promise((resolve) => transform.once('info', resolve))
    createReadStream(corpusPath('wiki_duck.html')).pipe(transform)
    await info
    await settle(50)
    expect(transform.readableLength).toBeLessThanOrEqual(highWaterMark)
    const html = await readFile(corpusPath('wiki_duck.html'))
    expect(html.length).toBeGreaterThan(10 * highWaterMark)
    let received = 0
    let largestBuffer = 0
    for await (const chunk of transform) {
      largestBuffer = Math.max(largestBuffer, transform.readableLength)
      received += (chunk as Buffer).length
    }
    expect(received).toBe(html.length)
    expect(largestBuffer).toBeLessThanOrEqual(highWaterMark)
  })
})
