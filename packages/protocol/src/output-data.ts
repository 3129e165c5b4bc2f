/**
 * The markdown result inside a completed job's `outputData`: the fields a server writes and the rules a client
 * reads them by (both spellings of the API, 200 and 206, partial results, an answer recovered from the raw model
 * output when the service could not split it).
 */
import { splitModelOutput } from './model-output.js'

/** Token counts, when the service reports them. */
export interface Usage {
  /** Tokens read by the model (the page images and the prompt). */
  inputTokens?: number
  /** Tokens written by the model (reasoning and answer). */
  outputTokens?: number
  totalTokens?: number
}

/**
 * What a completed job's `outputData` holds, as JSON inside a string. Servers of this repository write the first
 * spelling; later versions of the API name two fields differently, and a reader accepts both.
 */
export interface OutputData {
  /** The markdown. */
  result: string
  /** The model's reasoning trace. */
  reasoning: string
  /** The raw model output, present when `result` or `reasoning` is empty (the result is partial). */
  rawResponse?: string
  /** The later API's name for `reasoning`. */
  thinkingTrace?: string
  /** The later API's name for `rawResponse`. */
  rawModelOutput?: string
  inputTokens?: number
  outputTokens?: number
  totalTokens?: number
  /** Pages in the document, when the server knows. */
  pageCount?: number
  /** What the reader of the result should know (pages left blank or unreadable, an empty result). */
  warnings?: string[]
}

/** A completed job's result, read from its `outputData`. */
export interface MarkdownResult {
  /** The document as markdown. */
  markdown: string
  /** The model's reasoning trace. */
  reasoning: string
  /** True when the service reported a partial result (206, or an empty `result`/`reasoning`). */
  partial: boolean
  /** True when `markdown` was recovered from the raw `<think>/<answer>` output. */
  recovered: boolean
  /** The raw model output, when the service sent it. */
  rawResponse?: string
  /** Token counts, when the service reports them. */
  usage?: Usage
}

type Fields = Record<string, unknown>

/** `outputData` is a JSON document inside a string; some servers encode it twice, some send plain markdown. */
function parseOutputData(outputData: unknown): Fields {
  let value: unknown = outputData
  for (let depth = 0; depth < 3 && typeof value === 'string'; depth++) {
    const text = value.trim()
    if (text === '') return {}
    try {
      value = JSON.parse(text)
    } catch {
      // Not JSON at all: treat the text as the markdown itself.
      return { result: value }
    }
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : {}
}

function text(...values: unknown[]): string {
  for (const value of values) if (typeof value === 'string' && value.length > 0) return value
  return ''
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

/** Token counts at the top level (this API), or under `usage` (also in OpenAI's spelling). */
function usageOf(fields: Fields): Usage | undefined {
  const nested = (fields.usage && typeof fields.usage === 'object' ? fields.usage : {}) as Fields
  const usage: Usage = {}
  const inputTokens = count(fields.inputTokens) ?? count(nested.inputTokens) ?? count(nested.prompt_tokens)
  const outputTokens =
    count(fields.outputTokens) ?? count(nested.outputTokens) ?? count(nested.completion_tokens)
  const totalTokens = count(fields.totalTokens) ?? count(nested.totalTokens) ?? count(nested.total_tokens)
  if (inputTokens !== undefined) usage.inputTokens = inputTokens
  if (outputTokens !== undefined) usage.outputTokens = outputTokens
  if (totalTokens !== undefined) usage.totalTokens = totalTokens
  return Object.keys(usage).length > 0 ? usage : undefined
}

/**
 * Reads a completed job's result from its `outputData`. Accepts both spellings of the API (`result`/`reasoning`/
 * `rawResponse` and `thinkingTrace`/`rawModelOutput`), 200 and 206 alike (206 means partial), `outputData` encoded
 * twice or holding plain markdown. When `result` or `reasoning` is empty and the raw model output is there, what
 * is missing is recovered from its `<think>/<answer>` tags (`recovered` says so for the markdown).
 *
 * @param outputData the job's `outputData`
 * @param httpStatus the status of the response that carried the job (`GET /api/jobs/{jobId}`)
 */
export function readOutputData(outputData: unknown, httpStatus = 200): MarkdownResult {
  const fields = parseOutputData(outputData)
  let markdown = text(fields.result, fields.markdown)
  let reasoning = text(fields.reasoning, fields.thinkingTrace)
  const rawResponse = text(fields.rawResponse, fields.rawModelOutput)
  const partial = httpStatus === 206 || fields.partial === true || markdown === '' || reasoning === ''
  let recovered = false
  if (rawResponse !== '' && (markdown === '' || reasoning === '')) {
    const parts = splitModelOutput(rawResponse)
    if (markdown === '' && parts.tagged && parts.answer) {
      markdown = parts.answer
      recovered = true
    }
    if (reasoning === '' && parts.reasoning) reasoning = parts.reasoning
  }
  const result: MarkdownResult = { markdown, reasoning, partial, recovered }
  if (rawResponse !== '') result.rawResponse = rawResponse
  const usage = usageOf(fields)
  if (usage) result.usage = usage
  return result
}
