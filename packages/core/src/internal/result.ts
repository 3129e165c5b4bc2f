import { JobFailedError, JobTimeoutError } from '../errors.js'
import type { ConversionResult, Job, Usage } from '../types.js'
import { statusKind } from './job-status.js'

type Output = Record<string, unknown>

function parseOutputData(outputData: unknown): Output {
  let value: unknown = outputData
  // outputData is a JSON document inside a string; some servers encode it twice.
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
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Output) : {}
}

function text(...values: unknown[]): string {
  for (const value of values) if (typeof value === 'string' && value.length > 0) return value
  return ''
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

const thinkTag = '(?:think|thinking|thought|thoughts|reasoning|reason)'

/**
 * Recovers the answer and reasoning from raw `<think>…</think><answer>…</answer>` output, tolerating tag
 * variants and output cut off before a closing tag.
 */
export function splitRawOutput(raw: string): { answer?: string; reasoning?: string } {
  const parts: { answer?: string; reasoning?: string } = {}
  const answer = /<answer\s*>([\s\S]*?)(?:<\/answer\s*>|$)/i.exec(raw)
  if (answer?.[1] !== undefined) parts.answer = answer[1].trim()
  const reasoning = new RegExp(
    `<${thinkTag}\\s*>([\\s\\S]*?)(?:</${thinkTag}\\s*>|<answer\\s*>|$)`,
    'i',
  ).exec(raw)
  if (reasoning?.[1] !== undefined) parts.reasoning = reasoning[1].trim()
  if (parts.answer === undefined) {
    // A closed reasoning block followed by untagged text: that text is the answer.
    const after = new RegExp(`</${thinkTag}\\s*>([\\s\\S]*)$`, 'i').exec(raw)
    const rest = after?.[1]?.trim()
    if (rest) parts.answer = rest
  }
  return parts
}

function usageOf(output: Output): Usage | undefined {
  const nested = (output.usage && typeof output.usage === 'object' ? output.usage : {}) as Output
  const usage: Usage = {}
  const inputTokens = count(output.inputTokens) ?? count(nested.inputTokens) ?? count(nested.prompt_tokens)
  const outputTokens =
    count(output.outputTokens) ?? count(nested.outputTokens) ?? count(nested.completion_tokens)
  const totalTokens = count(output.totalTokens) ?? count(nested.totalTokens) ?? count(nested.total_tokens)
  if (inputTokens !== undefined) usage.inputTokens = inputTokens
  if (outputTokens !== undefined) usage.outputTokens = outputTokens
  if (totalTokens !== undefined) usage.totalTokens = totalTokens
  return Object.keys(usage).length > 0 ? usage : undefined
}

/** Throws the JobFailedError (or JobTimeoutError) that a failed, cancelled or timed-out job stands for. */
export function jobFailure(job: Job): JobFailedError {
  const kind = statusKind(job.status)
  const code =
    (typeof job.errorCode === 'string' && job.errorCode) || (kind === 'cancelled' ? 'cancelled' : kind)
  const reason =
    (typeof job.errorMessage === 'string' && job.errorMessage) ||
    (kind === 'cancelled'
      ? 'the job was cancelled'
      : `the job ended with status ${JSON.stringify(job.status)}`)
  const message = `Job ${job.id} ${kind === 'cancelled' ? 'was cancelled' : 'failed'}: ${reason}`
  const details = { jobId: job.id, job, code }
  return kind === 'timeout' || code === 'JobTimeout'
    ? new JobTimeoutError(message, details)
    : new JobFailedError(message, details)
}

/**
 * Turns a finished job into a ConversionResult. Accepts both field spellings of the API (`result`/`reasoning`/
 * `rawResponse` and `thinkingTrace`/`rawModelOutput`), 200 and 206 alike (206 means partial).
 */
export function resultFromJob(job: Job, httpStatus = 200): ConversionResult {
  if (statusKind(job.status) !== 'completed') throw jobFailure(job)
  const output = parseOutputData(job.outputData)
  let markdown = text(output.result, output.markdown)
  let reasoning = text(output.reasoning, output.thinkingTrace)
  const rawResponse = text(output.rawResponse, output.rawModelOutput)
  const partial = httpStatus === 206 || output.partial === true || markdown === '' || reasoning === ''
  let recovered = false
  if (rawResponse !== '' && (markdown === '' || reasoning === '')) {
    const parts = splitRawOutput(rawResponse)
    if (markdown === '' && parts.answer) {
      markdown = parts.answer
      recovered = true
    }
    if (reasoning === '' && parts.reasoning) reasoning = parts.reasoning
  }
  const result: ConversionResult = { markdown, reasoning, partial, recovered, jobId: job.id, job }
  if (rawResponse !== '') result.rawResponse = rawResponse
  const usage = usageOf(output)
  if (usage) result.usage = usage
  return result
}
