import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { modelOutputCases } from '@numarkdown/protocol/testing'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { EngineError } from '../../engine-error.js'
import type { EngineParams } from '../../types.js'
import { makeTextPng } from '../local/test-documents.js'
import { type OpenAIEngine, type OpenAIEngineOptions, openaiEngine } from './openai-engine.js'

interface ChatRequest {
  headers: IncomingMessage['headers']
  body: {
    model: string
    temperature: number
    max_tokens?: number
    messages: Array<{ role: string; content: Array<{ type: string; image_url?: { url: string } }> }>
  }
  /** Width of the PNG page image sent, read from its header. */
  imageWidth: number
}

type Handler = (request: ChatRequest, response: ServerResponse, index: number) => void | Promise<void>

/** A small OpenAI-compatible server: each test decides how `/v1/chat/completions` answers. */
let server: Server
let baseUrl: string
let handler: Handler
let requests: ChatRequest[] = []
let folder: string
const engines: OpenAIEngine[] = []
const params: EngineParams = { temperature: 0.4, rasterizationDPI: 36, maxOutputTokens: 0 }
const apiKey = 'sk-test-secret-key-123'

function completion(content: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
    ...extra,
  })
}

function reply(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(body)
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'numarkdown-openai-engine-'))
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      reply(response, 404, '{"error":{"message":"not found"}}')
      return
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest['body']
    const url = body.messages[0]?.content[0]?.image_url?.url ?? ''
    const image = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')
    const entry = {
      headers: request.headers,
      body,
      imageWidth: image.length > 24 ? image.readUInt32BE(16) : 0,
    }
    requests.push(entry)
    await handler(entry, response, requests.length - 1)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(async () => {
  requests = []
  await Promise.all(engines.splice(0).map((engine) => engine.close()))
})

afterAll(async () => {
  server.closeAllConnections()
  server.close()
  await rm(folder, { recursive: true, force: true })
})

function engine(options: Partial<OpenAIEngineOptions> = {}): OpenAIEngine {
  const created = openaiEngine({
    baseUrl,
    model: 'numind/NuMarkdown-8B-Thinking',
    apiKey,
    retries: 0,
    ...options,
  })
  engines.push(created)
  return created
}

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(folder, name)
  await writeFile(path, content)
  return path
}

function convert(
  target: OpenAIEngine,
  path: string,
  options: Partial<EngineParams> & { signal?: AbortSignal } = {},
) {
  const { signal = new AbortController().signal, ...overrides } = options
  return target.convert(
    { path, filename: basename(path), contentType: 'application/octet-stream', size: 0 },
    { ...params, ...overrides },
    signal,
  )
}

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(EngineError)
  return error as EngineError
}

/** Pages 200, 300 and 400 points wide: at 36 DPI their images are 100, 150 and 200 pixels wide. */
async function threePagePdf(): Promise<Uint8Array> {
  const document = await PDFDocument.create()
  const font = await document.embedFont(StandardFonts.Helvetica)
  for (const width of [200, 300, 400]) {
    document.addPage([width, 300]).drawText(`${width}`, { x: 20, y: 200, size: 12, font })
  }
  return document.save()
}

const png = makeTextPng(['Hello'])

describe('openaiEngine requests', () => {
  it('sends an image as a data URL with the model, temperature, max_tokens and the key', async () => {
    handler = (_, response) =>
      reply(response, 200, completion('<think>I see a greeting.</think><answer># Hello</answer>'))
    const output = await convert(engine(), await file('page.png', png), { maxOutputTokens: 512 })
    expect(output).toEqual({
      result: '# Hello',
      reasoning: 'I see a greeting.',
      pageCount: 1,
      usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120 },
    })
    expect(requests).toHaveLength(1)
    const [request] = requests as [ChatRequest]
    expect(request.headers.authorization).toBe(`Bearer ${apiKey}`)
    expect(request.body.model).toBe('numind/NuMarkdown-8B-Thinking')
    expect(request.body.temperature).toBe(0.4)
    expect(request.body.max_tokens).toBe(512)
    expect(request.body.messages[0]?.content[0]?.image_url?.url).toBe(
      `data:image/png;base64,${png.toString('base64')}`,
    )
  })

  it('leaves max_tokens out when maxOutputTokens is 0, and accepts a base URL ending in /v1', async () => {
    handler = (_, response) => reply(response, 200, completion('<answer>ok</answer>'))
    const output = await convert(engine({ baseUrl: `${baseUrl}/v1/` }), await file('page.png', png))
    expect(output.result).toBe('ok')
    expect(requests[0]?.body.max_tokens).toBeUndefined()
  })

  it('renders each PDF page and merges the answers in page order, whatever order they arrive in', async () => {
    handler = async (request, response) => {
      // The first page answers last.
      if (request.imageWidth === 100) await new Promise((resolve) => setTimeout(resolve, 300))
      reply(
        response,
        200,
        completion(`<think>page ${request.imageWidth}</think><answer>Width ${request.imageWidth}</answer>`),
      )
    }
    const output = await convert(engine({ concurrency: 3 }), await file('three.pdf', await threePagePdf()))
    expect(requests.map((request) => request.imageWidth).sort()).toEqual([100, 150, 200])
    expect(output.result).toBe('Width 100\n\nWidth 150\n\nWidth 200')
    expect(output.reasoning).toBe('Page 1:\npage 100\n\nPage 2:\npage 150\n\nPage 3:\npage 200')
    expect(output.pageCount).toBe(3)
    expect(output.usage).toEqual({ inputTokens: 300, outputTokens: 60, totalTokens: 360 })
  })
})

describe('openaiEngine replies', () => {
  it('tolerates <thinking> tags', async () => {
    handler = (_, response) =>
      reply(response, 200, completion('<thinking>\nhmm\n</thinking>\n<answer>\nText\n</answer>'))
    const output = await convert(engine(), await file('page.png', png))
    expect(output.result).toBe('Text')
    expect(output.reasoning).toBe('hmm')
  })

  it('marks a reply cut before </answer> partial and keeps the raw text', async () => {
    const raw = '<think>long thought</think><answer>The table starts'
    handler = (_, response) => reply(response, 200, completion(raw))
    const output = await convert(engine(), await file('page.png', png))
    expect(output.result).toBe('The table starts')
    expect(output.reasoning).toBe('')
    expect(output.rawResponse).toBe(raw)
  })

  it('marks a reply stopped by the token limit partial', async () => {
    handler = (_, response) =>
      reply(
        response,
        200,
        JSON.stringify({
          choices: [{ message: { content: '<think>still thinking' }, finish_reason: 'length' }],
        }),
      )
    const output = await convert(engine(), await file('page.png', png), { maxOutputTokens: 5 })
    expect(output.result).toBe('')
    expect(output.reasoning).toBe('')
    expect(output.rawResponse).toBe('<think>still thinking')
  })

  it('marks a closed reply stopped by the token limit partial', async () => {
    const raw = '<think>a</think><answer>done</answer>'
    handler = (_, response) =>
      reply(
        response,
        200,
        JSON.stringify({ choices: [{ message: { content: raw }, finish_reason: 'length' }] }),
      )
    const output = await convert(engine(), await file('page.png', png))
    expect(output.result).toBe('done')
    expect(output.reasoning).toBe('')
    expect(output.rawResponse).toBe(raw)
  })

  it.each(modelOutputCases)('splits every raw output of the shared table: $name', async (example) => {
    handler = (_, response) => reply(response, 200, completion(example.raw))
    const output = await convert(engine(), await file('page.png', png))
    expect(output.result).toBe(example.answer)
    // A cut-off reply keeps its reasoning out of the result; the raw reply says what there was.
    expect(output.reasoning).toBe(example.cutOff ? '' : example.reasoning)
    const partial = example.cutOff || example.answer === '' || example.reasoning === ''
    expect(output.rawResponse).toBe(partial ? example.raw : undefined)
  })

  it('fails a reply that is not JSON with UpstreamMalformed', async () => {
    handler = (_, response) => reply(response, 200, '<html>gateway</html>')
    const error = await failure(convert(engine(), await file('page.png', png)))
    expect(error.code).toBe('UpstreamMalformed')
    expect(error.message).toContain('not JSON')
  })

  it('fails a reply without choices with UpstreamMalformed', async () => {
    handler = (_, response) => reply(response, 200, '{"object":"chat.completion","choices":[]}')
    const error = await failure(convert(engine(), await file('page.png', png)))
    expect(error.code).toBe('UpstreamMalformed')
  })
})

describe('openaiEngine upstream failures', () => {
  it('fails a 5xx with UpstreamError after its retries', async () => {
    handler = (_, response) => reply(response, 500, '{"error":{"message":"CUDA out of memory"}}')
    const error = await failure(convert(engine({ retries: 1 }), await file('page.png', png)))
    expect(error.code).toBe('UpstreamError')
    expect(error.message).toContain('500')
    expect(error.message).toContain('CUDA out of memory')
    expect(requests.length).toBe(1)
  })

  it('retries a 503 and succeeds', async () => {
    handler = (_, response, index) =>
      index === 0
        ? reply(response, 503, '{"error":"loading"}')
        : reply(response, 200, completion('<answer>ok</answer>'))
    const output = await convert(engine({ retries: 2 }), await file('page.png', png))
    expect(output.result).toBe('ok')
    expect(requests).toHaveLength(2)
  })

  it('fails a request that outlives requestTimeoutMs with UpstreamTimeout', async () => {
    handler = () => {}
    const error = await failure(convert(engine({ requestTimeoutMs: 300 }), await file('page.png', png)))
    expect(error.code).toBe('UpstreamTimeout')
  })

  it('fails when the server cannot be reached with UpstreamError', async () => {
    const closed = createServer()
    closed.listen(0, '127.0.0.1')
    await once(closed, 'listening')
    const port = (closed.address() as AddressInfo).port
    closed.close()
    await once(closed, 'close')
    const error = await failure(
      convert(engine({ baseUrl: `http://127.0.0.1:${port}` }), await file('page.png', png)),
    )
    expect(error.code).toBe('UpstreamError')
    expect(error.message).toContain('could not be reached')
  })

  it('never puts the API key in an error, even when the upstream echoes it', async () => {
    handler = (request, response) =>
      reply(response, 401, JSON.stringify({ error: `bad key ${String(request.headers.authorization)}` }))
    const error = await failure(convert(engine(), await file('page.png', png)))
    expect(error.code).toBe('UpstreamError')
    expect(error.message).toContain('401')
    expect(error.message).toContain('bad key Bearer [redacted]')
    expect(`${error.message} ${String(error.cause)} ${error.stack}`).not.toContain(apiKey)
  })

  it('stops when the job is cancelled', async () => {
    handler = () => {}
    const controller = new AbortController()
    const pending = convert(engine(), await file('page.png', png), { signal: controller.signal })
    while (requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    controller.abort(new Error('The job was cancelled'))
    await expect(pending).rejects.toThrow('The job was cancelled')
  })
})

describe('openaiEngine inputs and options', () => {
  it('fails a DOCX with UnsupportedFormat', async () => {
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0])
    const error = await failure(convert(engine(), await file('report.docx', zip)))
    expect(error.code).toBe('UnsupportedFormat')
    expect(requests).toHaveLength(0)
  })

  it('validates its options', () => {
    expect(() => openaiEngine({ baseUrl: 'ftp://x', model: 'm' })).toThrow('got "ftp://x"')
    expect(() => openaiEngine({ baseUrl, model: '' })).toThrow('expected model to be a non-empty string')
    expect(() => openaiEngine({ baseUrl, model: 'm', concurrency: 0 })).toThrow(
      'expected an integer concurrency ≥ 1, got 0',
    )
  })
})
