import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import {
  checkKnownOptions,
  checkNumberRange,
  optionKeys,
  splitModelOutput,
  ValidationError,
} from '@numarkdown/protocol'
import type { Agent } from 'undici'
import type { Engine, EngineDocument, EngineOutput, EngineParams } from '../../types.js'
import { documentFormat } from '../shared/detect-format.js'
import { abortReason, engineFailure } from '../shared/engine-failure.js'
import { mapConcurrently } from '../shared/map-concurrently.js'
import { PageRenderer } from '../shared/page-renderer.js'
import { spooledPath } from '../shared/spooled-path.js'

/** Options of {@link openaiEngine}. */
export interface OpenAIEngineOptions {
  /**
   * The server's base URL, with or without `/v1` (`http://127.0.0.1:8000` or `http://127.0.0.1:8000/v1`);
   * pages are sent to `<base>/v1/chat/completions`.
   */
  baseUrl: string
  /** The model name the server serves, e.g. `numind/NuMarkdown-8B-Thinking`. */
  model: string
  /**
   * Sent as `Authorization: Bearer <apiKey>`; never logged nor put in errors.
   * @default process.env.OPENAI_API_KEY, or no header
   */
  apiKey?: string
  /**
   * Pages of one document in flight at once.
   * @default 4
   */
  concurrency?: number
  /**
   * Longest wait for the answer to one page.
   * @default 600000
   */
  requestTimeoutMs?: number
  /**
   * Extra attempts for a page after a connection error, 429, 502, 503 or 504.
   * @default 2
   */
  retries?: number
  /**
   * A text sent with each page image; NuMarkdown needs none.
   * @default no text
   */
  prompt?: string
  /**
   * Worker threads that render PDF pages, started on the first PDF and stopped by `close()`. `0` renders on the
   * main thread, where a large page delays every other request of the server.
   * @default the number of cores (`os.availableParallelism()`)
   */
  renderWorkers?: number
}

const openaiEngineOptionKeys = optionKeys<OpenAIEngineOptions>({
  baseUrl: true,
  model: true,
  apiKey: true,
  concurrency: true,
  requestTimeoutMs: true,
  retries: true,
  prompt: true,
  renderWorkers: true,
})

/** The OpenAI-compatible engine: see {@link openaiEngine}. */
export interface OpenAIEngine extends Engine {
  readonly name: 'openai'
  /** Closes the engine's connections and stops its rendering threads. */
  close(): Promise<void>
}

interface PageAnswer {
  raw: string
  reasoning: string
  answer: string
  partial: boolean
  inputTokens?: number
  outputTokens?: number
}

interface ChatCompletion {
  choices?: Array<{ message?: { content?: unknown; reasoning_content?: unknown }; finish_reason?: unknown }>
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown }
}

const passThroughImages = new Set(['image/png', 'image/jpeg', 'image/webp'])
const retryableStatuses = new Set([429, 502, 503, 504])

function chatCompletionsUrl(baseUrl: string): URL {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new ValidationError(
      `openaiEngine: expected baseUrl to be an http(s) URL, got ${JSON.stringify(baseUrl)}`,
      { parameter: 'baseUrl' },
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(
      `openaiEngine: expected baseUrl to be an http(s) URL, got ${JSON.stringify(baseUrl)}`,
      { parameter: 'baseUrl' },
    )
  }
  const path = url.pathname.replace(/\/+$/, '')
  url.pathname = `${path.endsWith('/v1') ? path : `${path}/v1`}/chat/completions`
  return url
}

const positive = { min: 1, integer: true, where: 'openaiEngine options' }
const nonNegative = { ...positive, min: 0 }

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat
}

function delay(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, milliseconds)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(abortReason(signal))
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * An engine for a self-hosted vision model behind an OpenAI-compatible API, such as vLLM serving
 * `numind/NuMarkdown-8B-Thinking`. Each PDF page is rendered at `rasterizationDPI` to PNG (PNG, JPEG and WebP
 * images are sent as they are; TIFF and BMP are converted to PNG when they can be), and sent as one `POST /v1/chat/completions`
 * with the image as a data URL, `temperature`, and `max_tokens` from `maxOutputTokens` (left out when 0). Each
 * reply's `<think>` and `<answer>` are split; pages are merged in order. A reply cut off (unclosed tag, or
 * `finish_reason: length`) makes the result partial: its reasoning is left empty and `rawResponse` keeps every
 * page's raw reply. Upstream failures fail the job with `UpstreamError` (connection, HTTP status),
 * `UpstreamTimeout` or `UpstreamMalformed` (a reply that is not a chat completion).
 *
 * @example
 * ```ts
 * const engine = openaiEngine({ baseUrl: 'http://127.0.0.1:8000', model: 'numind/NuMarkdown-8B-Thinking' })
 * const server = await startServer({ tokens: ['secret'], engine })
 * ```
 */
export function openaiEngine(options: OpenAIEngineOptions): OpenAIEngine {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError(`openaiEngine: expected an options object, got ${String(options)}`, {
      parameter: 'options',
    })
  }
  checkKnownOptions(options, openaiEngineOptionKeys, 'openaiEngine options')
  const url = chatCompletionsUrl(options.baseUrl)
  if (typeof options.model !== 'string' || options.model.trim() === '') {
    throw new ValidationError(
      `openaiEngine: expected model to be a non-empty string, got ${JSON.stringify(options.model)}`,
      { parameter: 'model' },
    )
  }
  const model = options.model
  const apiKey = options.apiKey ?? process.env.OPENAI_API_KEY
  const concurrency = checkNumberRange('concurrency', options.concurrency ?? 4, positive)
  const requestTimeoutMs = checkNumberRange('requestTimeoutMs', options.requestTimeoutMs ?? 600_000, positive)
  const retries = checkNumberRange('retries', options.retries ?? 2, nonNegative)
  const renderer = new PageRenderer(
    checkNumberRange(
      'renderWorkers',
      options.renderWorkers ?? Math.max(1, availableParallelism()),
      nonNegative,
    ),
  )
  let agent: Agent | undefined
  let undici: Promise<typeof import('undici')> | undefined

  async function askOnce(
    image: { data: Buffer; mediaType: string },
    params: EngineParams,
    signal: AbortSignal,
  ) {
    const content: unknown[] = [
      {
        type: 'image_url',
        image_url: { url: `data:${image.mediaType};base64,${image.data.toString('base64')}` },
      },
    ]
    if (options.prompt) content.push({ type: 'text', text: options.prompt })
    const body: Record<string, unknown> = {
      model,
      messages: [{ role: 'user', content }],
      temperature: params.temperature,
    }
    if (params.maxOutputTokens > 0) body.max_tokens = params.maxOutputTokens
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' }
    if (apiKey) headers.authorization = `Bearer ${apiKey}`
    const timeout = AbortSignal.timeout(requestTimeoutMs)
    const combined = AbortSignal.any([signal, timeout])
    // undici is loaded on first use: importing the server package should not pay for it.
    undici ??= import('undici')
    const { Agent, request } = await undici
    agent ??= new Agent({ connections: concurrency * 2, headersTimeout: 0, bodyTimeout: 0 })
    try {
      const response = await request(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        dispatcher: agent,
        signal: combined,
      })
      const text = await response.body.text()
      return { status: response.statusCode, text }
    } catch (error) {
      if (signal.aborted) throw abortReason(signal)
      if (timeout.aborted) {
        throw engineFailure(
          'UpstreamTimeout',
          `The model server did not answer within ${requestTimeoutMs} ms`,
          error,
        )
      }
      const detail = error instanceof Error ? error.message : String(error)
      throw Object.assign(
        engineFailure('UpstreamError', `The model server could not be reached: ${detail}`, error),
        {
          retryable: true,
        },
      )
    }
  }

  async function askPage(
    image: { data: Buffer; mediaType: string },
    request: { page: number; params: EngineParams; signal: AbortSignal },
  ): Promise<PageAnswer> {
    const { page, params, signal } = request
    let attempt = 0
    for (;;) {
      let reply: { status: number; text: string }
      try {
        reply = await askOnce(image, params, signal)
      } catch (error) {
        if ((error as { retryable?: boolean }).retryable && attempt < retries) {
          await delay(250 * 2 ** attempt++, signal)
          continue
        }
        throw error
      }
      if (reply.status < 200 || reply.status >= 300) {
        if (retryableStatuses.has(reply.status) && attempt < retries) {
          await delay(250 * 2 ** attempt++, signal)
          continue
        }
        // An upstream may echo the request's headers back: the key must not reach the job's error message.
        const body = apiKey ? reply.text.split(apiKey).join('[redacted]') : reply.text
        throw engineFailure(
          'UpstreamError',
          `The model server answered ${reply.status} for page ${page}${body ? `: ${excerpt(body)}` : ''}`,
        )
      }
      return parseReply(apiKey ? reply.text.split(apiKey).join('[redacted]') : reply.text, page)
    }
  }

  async function convert(
    document: EngineDocument,
    params: EngineParams,
    signal: AbortSignal,
  ): Promise<EngineOutput> {
    if (signal.aborted) throw abortReason(signal)
    const format = await documentFormat(document)
    let answers: PageAnswer[]
    switch (format.kind) {
      case 'pdf': {
        const pageCount = await renderer.pageCount(spooledPath(document))
        const pages = Array.from({ length: pageCount }, (_, index) => index + 1)
        answers = await mapConcurrently(pages, { concurrency, signal }, async (number) => {
          const { png } = await renderer.renderPage(spooledPath(document), {
            page: number,
            dpi: params.rasterizationDPI,
            signal,
          })
          return askPage({ data: png, mediaType: 'image/png' }, { page: number, params, signal })
        })
        break
      }
      case 'image': {
        let image: { data: Buffer; mediaType: string } = {
          data: await readFile(spooledPath(document)),
          mediaType: format.mediaType,
        }
        if (!passThroughImages.has(format.mediaType)) image = await toPng(image.data, format.mediaType)
        answers = [await askPage(image, { page: 1, params, signal })]
        break
      }
      case 'text':
        return {
          result: (await readFile(spooledPath(document), 'utf8')).replace(/^\uFEFF/, ''),
          reasoning: `${format.mediaType} passed through unchanged; no page image to send to the model.`,
          pageCount: 1,
        }
      default:
        throw engineFailure(
          'UnsupportedFormat',
          `The OpenAI-compatible engine sends page images: it reads PDF and PNG, JPEG, WebP, TIFF and BMP images, not ${
            format.kind === 'unsupported' ? format.description : format.kind.toUpperCase()
          } (the local engine converts DOCX and HTML)`,
        )
    }
    const single = answers.length === 1
    const result = answers
      .map((page) => page.answer)
      .filter((answer) => answer.length > 0)
      .join('\n\n')
    const reasoning = answers
      .map((page, index) =>
        single ? page.reasoning : page.reasoning ? `Page ${index + 1}:\n${page.reasoning}` : '',
      )
      .filter((text) => text.length > 0)
      .join('\n\n')
    const partial = answers.some((page) => page.partial)
    const inputTokens = answers.every((page) => page.inputTokens !== undefined)
      ? answers.reduce((sum, page) => sum + (page.inputTokens ?? 0), 0)
      : undefined
    const outputTokens = answers.every((page) => page.outputTokens !== undefined)
      ? answers.reduce((sum, page) => sum + (page.outputTokens ?? 0), 0)
      : undefined
    const output: EngineOutput = { result, reasoning: partial ? '' : reasoning, pageCount: answers.length }
    if (partial || !result || !reasoning) output.rawResponse = answers.map((page) => page.raw).join('\n\n')
    if (inputTokens !== undefined || outputTokens !== undefined) {
      output.usage = {}
      if (inputTokens !== undefined) output.usage.inputTokens = inputTokens
      if (outputTokens !== undefined) output.usage.outputTokens = outputTokens
      if (inputTokens !== undefined && outputTokens !== undefined)
        output.usage.totalTokens = inputTokens + outputTokens
    }
    return output
  }

  return {
    name: 'openai',
    convert,
    close: async () => {
      await Promise.all([agent?.close(), renderer.close()])
    },
  }
}

function parseReply(text: string, page: number): PageAnswer {
  let completion: ChatCompletion
  try {
    completion = JSON.parse(text) as ChatCompletion
  } catch (error) {
    throw engineFailure(
      'UpstreamMalformed',
      `The model server's reply for page ${page} is not JSON: ${excerpt(text)}`,
      error,
    )
  }
  const choice = Array.isArray(completion?.choices) ? completion.choices[0] : undefined
  const content = choice?.message?.content
  if (typeof content !== 'string') {
    throw engineFailure(
      'UpstreamMalformed',
      `The model server's reply for page ${page} has no choices[0].message.content: ${excerpt(text)}`,
    )
  }
  // vLLM's reasoning parsers move the thinking into its own field.
  const separateReasoning = choice?.message?.reasoning_content
  const raw =
    typeof separateReasoning === 'string' && separateReasoning.length > 0
      ? `<think>${separateReasoning}</think>${content}`
      : content
  const split = splitModelOutput(raw)
  const answer: PageAnswer = {
    raw,
    reasoning: split.reasoning,
    answer: split.answer,
    partial: split.cutOff || choice?.finish_reason === 'length',
  }
  const usage = completion.usage
  if (typeof usage?.prompt_tokens === 'number') answer.inputTokens = usage.prompt_tokens
  if (typeof usage?.completion_tokens === 'number') answer.outputTokens = usage.completion_tokens
  return answer
}

/**
 * TIFF and BMP are converted to PNG where @napi-rs/canvas can decode them (OpenAI's own API takes PNG, JPEG,
 * WebP and GIF only); otherwise they go as they are: vLLM decodes them with Pillow.
 */
async function toPng(data: Buffer, mediaType: string): Promise<{ data: Buffer; mediaType: string }> {
  try {
    const { loadImage, createCanvas } = await import('@napi-rs/canvas')
    const image = await loadImage(data)
    const canvas = createCanvas(image.width, image.height)
    canvas.getContext('2d').drawImage(image, 0, 0)
    return { data: canvas.toBuffer('image/png'), mediaType: 'image/png' }
  } catch {
    return { data, mediaType }
  }
}
