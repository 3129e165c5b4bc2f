/**
 * Reads the command line with `node:util` `parseArgs` and nothing heavier, so that `--help` and `--version`
 * answer without loading the client, undici or the server. Value ranges of the API's parameters and the
 * `--pages` grammar are checked later by core, in one place for every package.
 */
import { parseArgs } from 'node:util'
import { UsageError } from './usage-error.js'

const flagTable = {
  output: { type: 'string', short: 'o' },
  'stem-names': { type: 'boolean' },
  force: { type: 'boolean', short: 'f' },
  json: { type: 'boolean' },
  reasoning: { type: 'boolean' },
  concurrency: { type: 'string', short: 'j' },
  pages: { type: 'string' },
  'split-pages': { type: 'boolean' },
  'on-page-error': { type: 'string' },
  temperature: { type: 'string' },
  dpi: { type: 'string' },
  'max-output-tokens': { type: 'string' },
  timeout: { type: 'string' },
  'base-url': { type: 'string' },
  resume: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const

/** Every long flag, spelt as typed (`--force`): the candidates of a suggestion for a mistyped flag. */
export const longFlags: readonly string[] = Object.keys(flagTable).map((name) => `--${name}`)

/** What the command line asks for, validated for shape (values of API parameters are checked by core). */
export interface CliOptions {
  /** Files, folders, globs and `-`, as typed. Empty: stdin. */
  inputs: string[]
  /** `-o`: a file for one input, a folder for many. Absent: stdout. */
  output?: string
  stemNames: boolean
  force: boolean
  json: boolean
  /** `--reasoning` (true) or `--reasoning=<file>` (the file). */
  reasoning: boolean | string
  concurrency: number
  /** `--pages` as typed (`1-3,7,10-`); core reads it. */
  pages?: string
  splitPages: boolean
  /**
   * `--on-page-error` (with `--split-pages`): a page that still fails after its own retry fails the document
   * (`fail`), or is marked in its place while the other pages are written (`skip`).
   */
  onPageError: 'fail' | 'skip'
  temperature?: number
  dpi?: number
  maxOutputTokens?: number
  /** A duration string (`90s`) or milliseconds. */
  timeout?: string | number
  baseUrl?: string
  resume?: string
}

/** The outcome of reading argv. */
export type CliRequest = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; options: CliOptions }

function number(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (value.trim() === '' || !Number.isFinite(parsed)) {
    throw new UsageError(`--${flag}: expected a number, got ${JSON.stringify(value)}`)
  }
  return parsed
}

/** A `parseArgs` error as a usage error; the unknown flag (if that was the trouble) is kept for a suggestion. */
function usageErrorOf(error: unknown): UsageError {
  const message = error instanceof Error ? error.message : String(error)
  const code = (error as { code?: string } | undefined)?.code
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /Unknown option '([^']+)'/.exec(message)?.[1] ?? message
    return new UsageError(`unknown option ${flag}`, { unknownFlag: flag, cause: error })
  }
  // parseArgs explains itself well ("Option '-o, --output <value>' argument missing"); keep its first sentence.
  return new UsageError(message.split('. ')[0]!.replace(/\.$/, ''), { cause: error })
}

/**
 * Reads the command line. Throws a {@link UsageError} for anything the user must change.
 *
 * `--reasoning=<file>` is taken apart before `parseArgs`, which has no flags with optional values; a bare
 * `--reasoning` never takes the next argument, which would swallow an input.
 */
export function parseCli(argv: readonly string[]): CliRequest {
  let reasoningFile: string | undefined
  const normalised: string[] = []
  let afterDoubleDash = false
  for (const argument of argv) {
    if (!afterDoubleDash && argument.startsWith('--reasoning=')) {
      reasoningFile = argument.slice('--reasoning='.length)
      if (reasoningFile === '') throw new UsageError('--reasoning=<file>: expected a file name after =')
      normalised.push('--reasoning')
      continue
    }
    if (argument === '--') afterDoubleDash = true
    normalised.push(argument)
  }
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof flagTable; allowPositionals: true; strict: true }>
  >
  try {
    parsed = parseArgs({ args: normalised, options: flagTable, allowPositionals: true, strict: true })
  } catch (error) {
    throw usageErrorOf(error)
  }
  const { values, positionals } = parsed
  if (values.help) return { kind: 'help' }
  if (values.version) return { kind: 'version' }

  const options: CliOptions = {
    inputs: positionals,
    stemNames: values['stem-names'] ?? false,
    force: values.force ?? false,
    json: values.json ?? false,
    reasoning: reasoningFile ?? values.reasoning ?? false,
    concurrency: 4,
    splitPages: values['split-pages'] ?? false,
    onPageError: 'fail',
  }
  if (values.output !== undefined) {
    if (values.output === '') throw new UsageError('-o, --output: expected a file or folder name')
    options.output = values.output
  }
  if (values.concurrency !== undefined) {
    const concurrency = number('concurrency', values.concurrency)!
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
      throw new UsageError(`--concurrency: expected an integer from 1 to 256, got ${values.concurrency}`)
    }
    options.concurrency = concurrency
  }
  if (values.pages !== undefined) options.pages = values.pages
  const onPageError = values['on-page-error']
  if (onPageError !== undefined) {
    if (onPageError !== 'fail' && onPageError !== 'skip') {
      throw new UsageError(`--on-page-error: expected fail or skip, got ${JSON.stringify(onPageError)}`)
    }
    if (!options.splitPages) {
      // One job has no pages that fail on their own: the flag would do nothing.
      throw new UsageError(
        `--on-page-error ${onPageError} applies to pages converted one by one: give --split-pages too`,
      )
    }
    options.onPageError = onPageError
  }
  const temperature = number('temperature', values.temperature)
  if (temperature !== undefined) options.temperature = temperature
  const dpi = number('dpi', values.dpi)
  if (dpi !== undefined) options.dpi = dpi
  const maxOutputTokens = number('max-output-tokens', values['max-output-tokens'])
  if (maxOutputTokens !== undefined) options.maxOutputTokens = maxOutputTokens
  if (values.timeout !== undefined) {
    options.timeout = /^\d+$/.test(values.timeout.trim()) ? Number(values.timeout) : values.timeout
  }
  if (values['base-url'] !== undefined) options.baseUrl = values['base-url']
  if (values.resume !== undefined) {
    if (values.resume.trim() === '') throw new UsageError('--resume: expected a job ID')
    options.resume = values.resume
  }
  checkCombinations(options)
  return { kind: 'run', options }
}

function checkCombinations(options: CliOptions): void {
  if (options.resume !== undefined) {
    if (options.inputs.length > 0) {
      throw new UsageError(
        `--resume ${options.resume} waits for a job submitted earlier: give no input (got ${options.inputs.join(' ')})`,
      )
    }
    if (options.pages !== undefined || options.splitPages) {
      throw new UsageError('--resume: the job already exists, so --pages and --split-pages cannot apply')
    }
  }
  if (options.json && options.reasoning !== false) {
    throw new UsageError('--json already holds the reasoning: drop --reasoning')
  }
  if (options.stemNames && options.output === undefined) {
    throw new UsageError('--stem-names names output files: give -o <folder> too')
  }
  if (options.inputs.filter((input) => input === '-').length > 1) {
    throw new UsageError('- (stdin) can be read only once')
  }
}
