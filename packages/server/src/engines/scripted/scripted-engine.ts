/**
 * The scripted engine: no model, the same output for the same input, outcomes chosen by the test (complete,
 * partial, cut off, hanging, failing) and a gate that holds conversions until the test lets them go. Tests of
 * every package and the demo run against it.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { checkKnownOptions, optionKeys, ValidationError } from '@numarkdown/protocol'
import { EngineError } from '../../engine-error.js'
import type { Engine, EngineDocument, EngineOutput, EngineParams } from '../../types.js'
import { estimateTokens } from '../shared/output-limit.js'
import { createGate, type Gate } from './gate.js'

/**
 * What the scripted engine does with one document.
 * - `'complete'`: markdown and reasoning (the default).
 * - `'partial'`: markdown with an empty reasoning (the server answers 206).
 * - `'truncated'`: the raw output was cut before `</answer>`: `result` and `reasoning` are empty and
 *   `rawResponse` is `<think>…</think><answer>…` without its closing tag.
 * - `'hang'`: never finishes until the job is aborted (cancel, its timeout, or server close).
 * - `{ type: 'fail', code, message }`: the job fails with that `errorCode` and `errorMessage`.
 */
export type ScriptedOutcome =
  | 'complete'
  | 'partial'
  | 'truncated'
  | 'hang'
  | { type: 'fail'; code: string; message: string }

/** Options of {@link scriptedEngine}. */
export interface ScriptedEngineOptions {
  /** Time each conversion takes, in milliseconds, or a function of the document. @default 0 */
  latencyMs?: number | ((document: EngineDocument) => number)
  /**
   * The outcome, for every document or chosen per document (by filename, for instance).
   * @default 'complete'
   */
  outcome?: ScriptedOutcome | ((document: EngineDocument, params: EngineParams) => ScriptedOutcome)
  /** Which documents wait at `engine.gate` until the test releases them. @default false */
  hold?: boolean | ((document: EngineDocument) => boolean)
}

/** The scripted engine: deterministic output, outcomes chosen by the test, and a gate. */
export interface ScriptedEngine extends Engine {
  readonly name: 'scripted'
  /** Holds the documents chosen by the `hold` option until released. */
  readonly gate: Gate
  /** Every conversion started, in order. */
  readonly calls: ReadonlyArray<{ document: EngineDocument; params: EngineParams }>
}

const scriptedEngineOptionKeys = optionKeys<ScriptedEngineOptions>({
  latencyMs: true,
  outcome: true,
  hold: true,
})

/** Inputs whose text is their markdown. */
const textTypes = /^(text\/|application\/(json|ld\+json|xml|xhtml\+xml|csv|markdown|x-markdown))/
const textExtensions = new Set(['.txt', '.md', '.markdown', '.json', '.csv', '.tsv', '.html', '.htm', '.xml'])
/** Larger text inputs are summarised instead of echoed, so that memory stays bounded. */
const maxTextBytes = 16 * 1024 * 1024
/** As `readFile(path, 'utf8')` decodes: a bad sequence becomes U+FFFD, a byte order mark stays. */
const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true })

/**
 * An engine for tests and demos: no model, the same output for the same input. A text-like input (text/*,
 * markdown, JSON, CSV, HTML) comes back as its own text; any other input as a short markdown summary naming
 * its filename, size and SHA-256. It honours the abort signal at every wait.
 *
 * @example
 * ```ts
 * const engine = scriptedEngine({
 *   latencyMs: 20,
 *   outcome: (document) => (document.filename.startsWith('bad') ? { type: 'fail', code: 'Corrupt', message: 'Unreadable' } : 'complete'),
 * })
 * ```
 */
export function scriptedEngine(options: ScriptedEngineOptions = {}): ScriptedEngine {
  checkKnownOptions(options, scriptedEngineOptionKeys, 'scriptedEngine options')
  const { latencyMs = 0, outcome = 'complete', hold = false } = options
  if (typeof latencyMs === 'number' && !(Number.isFinite(latencyMs) && latencyMs >= 0)) {
    throw new ValidationError(`latencyMs must be a number ≥ 0 or a function, got ${latencyMs}`, {
      parameter: 'latencyMs',
    })
  }
  const gate = createGate()
  const calls: Array<{ document: EngineDocument; params: EngineParams }> = []

  return {
    name: 'scripted',
    readsBytes: true,
    gate,
    calls,
    async convert(document, params, signal) {
      calls.push({ document, params })
      signal.throwIfAborted()
      if (hold === true || (typeof hold === 'function' && hold(document))) await gate.pass(document, signal)
      const delay = typeof latencyMs === 'function' ? latencyMs(document) : latencyMs
      if (delay > 0) await sleep(delay, undefined, { signal })
      const chosen = typeof outcome === 'function' ? outcome(document, params) : outcome
      if (chosen === 'hang') {
        return new Promise<never>((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true })
        })
      }
      if (typeof chosen === 'object') throw new EngineError(chosen.code, chosen.message)
      const result = await renderMarkdown(document, signal)
      signal.throwIfAborted()
      return shapeOutput(chosen, { result, document, params })
    },
  }
}

async function renderMarkdown(document: EngineDocument, signal: AbortSignal): Promise<string> {
  const textLike =
    textTypes.test(document.contentType) || textExtensions.has(extname(document.filename).toLowerCase())
  if (textLike && document.size <= maxTextBytes) {
    const text =
      document.bytes !== undefined
        ? textDecoder.decode(document.bytes)
        : await readFile(pathOf(document), { encoding: 'utf8', signal })
    if (text.trim() !== '') return text
  }
  const sha256 =
    document.sha256 ??
    (document.bytes !== undefined
      ? createHash('sha256').update(document.bytes).digest('hex')
      : await hashFile(pathOf(document), signal))
  return [
    `# ${document.filename}`,
    '',
    `- Content type: ${document.contentType}`,
    `- Size: ${document.size} bytes`,
    `- SHA-256: ${sha256}`,
    '',
  ].join('\n')
}

function pathOf(document: EngineDocument): string {
  if (document.path === undefined)
    throw new EngineError('UploadMissing', `No bytes nor file for ${document.filename}`)
  return document.path
}

async function hashFile(path: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash, { signal })
  return hash.digest('hex')
}

function shapeOutput(
  outcome: Exclude<ScriptedOutcome, 'hang' | { type: 'fail' }>,
  conversion: { result: string; document: EngineDocument; params: EngineParams },
): EngineOutput {
  const { result, document, params } = conversion
  const reasoning =
    `Read ${document.filename} (${document.contentType}, ${document.size} bytes) at ` +
    `${params.rasterizationDPI} DPI and temperature ${params.temperature}; wrote ${result.length} characters.`
  const inputTokens = Math.ceil(document.size / 64) + 1
  const outputTokens = estimateTokens(result + reasoning)
  const usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens }
  switch (outcome) {
    case 'partial':
      return { result, reasoning: '', rawResponse: `<answer>${result}</answer>`, usage }
    case 'truncated':
      return { result: '', reasoning: '', rawResponse: `<think>${reasoning}</think><answer>${result}`, usage }
    default:
      return {
        result,
        reasoning,
        rawResponse: `<think>${reasoning}</think><answer>${result}</answer>`,
        usage,
      }
  }
}
