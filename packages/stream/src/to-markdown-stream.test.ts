import { createHash } from 'node:crypto'
import { createReadStream, openAsBlob } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { Duplex, Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ProgressEvent } from '@numarkdown/core'
import { corpusPath, eventually } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { InvalidChunkError } from './errors.js'
import { toMarkdown } from './markdown-transform.js'
import { useHarness } from './test-helpers.js'
import { toMarkdownStream } from './to-markdown-stream.js'
import type { MarkdownInfo } from './types.js'

const harnesses = useHarness()
const setup = harnesses.setup

const name = 'multi_page.pdf'

async function summaryOf(file: string): Promise<string> {
  const bytes = await readFile(corpusPath(file))
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  return `# ${file}\n\n- Content type: application/pdf\n- Size: ${bytes.length} bytes\n- SHA-256: ${sha256}\n`
}

function webSource(file = name): ReadableStream<Uint8Array> {
  return Readable.toWeb(createReadStream(corpusPath(file))) as unknown as ReadableStream<Uint8Array>
}

async function readText(stream: ReadableStream<string>): Promise<string> {
  let text = ''
  for await (const chunk of stream as unknown as AsyncIterable<string>) text += chunk
  return text
}

describe('toMarkdownStream over HTTP', () => {
  it('converts a Blob through pipeThrough into text, with info and progress', async () => {
    const { client, spoolDirectory, spoolFiles } = await setup()
    const file = await openAsBlob(corpusPath(name))
    const progress: ProgressEvent[] = []
    let info: MarkdownInfo | undefined
    const stream = toMarkdownStream({
      client,
      filename: name,
      spoolThresholdBytes: 0,
      spoolDirectory,
      onProgress: (event) => progress.push(event),
      onInfo: (details) => {
        info = details
      },
    })
    // Response wants bytes: the markdown comes as strings, so encode it on the way.
    const text = await new Response(
      file.stream().pipeThrough(stream).pipeThrough(new TextEncoderStream()),
    ).text()
    expect(text).toBe(await summaryOf(name))
    expect(info?.jobId).toEqual(expect.any(String))
    expect(progress.map((event) => event.type)).toEqual(expect.arrayContaining(['submitted', 'done']))
    expect(await spoolFiles()).toEqual([])
  })

  it('gives long markdown in slices no longer than highWaterMark characters', async () => {
    const { client } = await setup()
    const html = await readFile(corpusPath('wiki_duck.html'), 'utf8')
    const chunks: string[] = []
    const output = webSource('wiki_duck.html').pipeThrough(
      toMarkdownStream({ client, filename: 'wiki_duck.html', highWaterMark: 1000 }),
    )
    for await (const chunk of output as unknown as AsyncIterable<string>) chunks.push(chunk)
    expect(chunks.join('')).toBe(html)
    expect(chunks.length).toBeGreaterThan(100)
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThanOrEqual(1001)
  })

  it('rejects strings with an InvalidChunkError', async () => {
    const { client, submits } = await setup()
    const output = (ReadableStream as unknown as { from(items: string[]): ReadableStream<Uint8Array> })
      .from(['not bytes'])
      .pipeThrough(toMarkdownStream({ client }))
    const failure = await readText(output).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(InvalidChunkError)
    expect(submits()).toBe(0)
  })

  it('a failed job errors the output with core’s JobFailedError and leaves no temp file', async () => {
    const { client, spoolDirectory, spoolFiles } = await setup({
      outcome: { type: 'fail', code: 'InvalidDocument', message: 'Unreadable' },
    })
    const output = webSource().pipeThrough(
      toMarkdownStream({ client, spoolThresholdBytes: 0, spoolDirectory }),
    )
    await expect(readText(output)).rejects.toMatchObject({ name: 'JobFailedError', code: 'InvalidDocument' })
    expect(await spoolFiles()).toEqual([])
  })

  it('cancelling the output during the conversion cancels the remote job, and the process survives', async () => {
    const { client, engine, spoolDirectory, spoolFiles } = await setup({ hold: true })
    let jobId: string | undefined
    const output = webSource().pipeThrough(
      toMarkdownStream({
        client,
        spoolThresholdBytes: 0,
        spoolDirectory,
        onProgress: (event) => {
          if (event.type === 'submitted') jobId = event.jobId
        },
      }),
    )
    const reader = output.getReader()
    const reading = reader.read()
    await engine.gate.whenWaiting(1)
    await eventually(() => jobId !== undefined, 'the job ID')
    await reader.cancel(new Error('not needed any more'))
    await expect(reading).resolves.toEqual({ done: true, value: undefined })
    await eventually(
      async () => (await harnesses.current.jobStatus(jobId!)) === 'cancelled',
      'the job to be cancelled',
    )
    expect(await spoolFiles()).toEqual([])
  })

  it('aborting pipeTo during the conversion rejects it, cancels the job, and nothing crashes', async () => {
    const { client, engine, spoolDirectory, spoolFiles } = await setup({ hold: true })
    let jobId: string | undefined
    const controller = new AbortController()
    const written: string[] = []
    const piping = webSource()
      .pipeThrough(
        toMarkdownStream({
          client,
          spoolThresholdBytes: 0,
          spoolDirectory,
          onProgress: (event) => {
            if (event.type === 'submitted') jobId = event.jobId
          },
        }),
      )
      .pipeTo(new WritableStream({ write: (chunk) => void written.push(chunk) }), {
        signal: controller.signal,
      })
    await engine.gate.whenWaiting(1)
    await eventually(() => jobId !== undefined, 'the job ID')
    controller.abort()
    await expect(piping).rejects.toMatchObject({ name: 'AbortError' })
    await eventually(
      async () => (await harnesses.current.jobStatus(jobId!)) === 'cancelled',
      'the job to be cancelled',
    )
    await eventually(async () => (await spoolFiles()).length === 0, 'the temp file to go')
    // The held conversion, released now, must not write into the cancelled stream.
    engine.gate.open()
    expect(written).toEqual([])
  })

  it('an aborted signal errors both sides and cancels the job', async () => {
    const { client, engine } = await setup({ hold: true })
    let jobId: string | undefined
    const controller = new AbortController()
    const output = webSource().pipeThrough(
      toMarkdownStream({
        client,
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type === 'submitted') jobId = event.jobId
        },
      }),
    )
    const text = readText(output)
    await engine.gate.whenWaiting(1)
    await eventually(() => jobId !== undefined, 'the job ID')
    controller.abort()
    await expect(text).rejects.toMatchObject({ name: 'AbortError' })
    await eventually(
      async () => (await harnesses.current.jobStatus(jobId!)) === 'cancelled',
      'the job to be cancelled',
    )
  })
})

describe('Node ↔ Web interop', () => {
  it('Readable.toWeb → toMarkdownStream → Readable.fromWeb inside stream.pipeline', async () => {
    const { client } = await setup()
    const chunks: string[] = []
    const output = webSource().pipeThrough(toMarkdownStream({ client, filename: name }))
    await pipeline(
      Readable.fromWeb(output as never, { objectMode: true }),
      new Writable({
        objectMode: true,
        write(chunk: string, _encoding, callback) {
          chunks.push(chunk)
          callback()
        },
      }),
    )
    expect(chunks.join('')).toBe(await summaryOf(name))
  })

  it('Duplex.toWeb(toMarkdown()) works with pipeThrough', async () => {
    const { client } = await setup()
    const pair = Duplex.toWeb(toMarkdown({ client, filename: name }))
    const output = webSource().pipeThrough(pair as unknown as TransformStream<Uint8Array, Uint8Array>)
    expect(await new Response(output).text()).toBe(await summaryOf(name))
  })

  it('Duplex.fromWeb(toMarkdownStream()) works inside stream.pipeline, fed by Readable.fromWeb', async () => {
    const { client } = await setup()
    const chunks: string[] = []
    await pipeline(
      Readable.fromWeb(webSource() as never),
      Duplex.fromWeb(toMarkdownStream({ client, filename: name }) as never, { objectMode: true }),
      async (source: AsyncIterable<string>) => {
        for await (const chunk of source) chunks.push(chunk)
      },
    )
    expect(chunks.join('')).toBe(await summaryOf(name))
  })
})
