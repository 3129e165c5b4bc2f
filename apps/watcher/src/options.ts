/**
 * The watcher's settings: one documented options type, defaults resolved in one place, validated at
 * construction with errors naming the value received. Unknown keys are refused: a misspelt `baseURL` would
 * otherwise be ignored in silence, and the documents sent where the caller did not mean.
 */
import { resolve } from 'node:path'
import { checkKnownOptions, type PageSpec, ValidationError, validatePageSpec } from '@numarkdown/core'
import { describe } from '@numarkdown/protocol'

/** What happens to a source document once its markdown was written. */
export type OnSuccess = 'keep' | 'move' | 'delete'

/**
 * What a page-by-page conversion does with a page that still fails after it was converted again on its own:
 * `fail` the document, or `skip` the page (the output holds a marker where it would have been).
 */
export type OnPageError = 'fail' | 'skip'

/** How the watcher reports what it does. */
export type LogFormat = 'pretty' | 'json'

/** Options of {@link createWatcher} and the `numarkdown-watch` command line. */
export interface WatcherOptions {
  /** The folder to watch. */
  inbox: string
  /** Where markdown is written, mirroring the inbox's folders. @default `<inbox>/../out` beside the inbox */
  out?: string
  /** Process what is in the inbox, then stop. @default false */
  once?: boolean
  /** Documents converted at once. @default 2 */
  concurrency?: number
  /** File extensions taken (lower case, no dot). @default {@link defaultExtensions} */
  include?: string[]
  /** Glob patterns (picomatch) of relative paths or names to skip. @default [] */
  exclude?: string[]
  /** A file is taken once its size and mtime held still this long, in milliseconds. @default 2000 */
  stabilityMs?: number
  /**
   * Poll the file system instead of using native events: `true` polls every 2000 ms, a number sets the
   * interval. `undefined` polls automatically on network and FUSE file systems. @default undefined
   */
  poll?: boolean | number
  /** Interval of the full rescan that is the source of truth, in milliseconds. @default 60000 */
  rescanMs?: number
  /** The state journal. @default `<out>/.numarkdown-watch/state.jsonl` */
  state?: string
  /** Also write the model's reasoning to `<name>.reasoning.md`. @default false */
  reasoning?: boolean
  /** What to do with a source once converted. @default 'keep' */
  onSuccess?: OnSuccess
  /** Where `onSuccess: 'move'` moves sources. @default `<inbox>/.done` */
  doneDir?: string
  /** Remove a document's outputs when its source is deleted (not when the watcher moved it). @default false */
  deleteOutputs?: boolean
  /** The API's base URL; setting it (or `NUMIND_API_KEY`) selects the remote API over the local server. */
  baseUrl?: string
  /** The API token. @default process.env.NUMIND_API_KEY */
  apiKey?: string
  /** @default 'pretty' on a TTY, otherwise 'json' */
  log?: LogFormat
  /** How long in-flight conversions may finish after SIGINT/SIGTERM, in milliseconds. @default 30000 */
  graceMs?: number
  /** Whole-conversion attempts for transient failures before the file is reported failed. @default 5 */
  maxAttempts?: number
  /**
   * Cluster mode: the Redis server (`redis://host:port`, `rediss://` for TLS, `redis://:password@host:port/db`)
   * through which any number of watchers on machines that see the same inbox share one conversion queue and
   * one journal, so that each document is converted once. Every instance of a cluster needs the same inbox,
   * output folder and output options. @default undefined (one watcher, the journal file)
   */
  queue?: string
  /** Cluster mode: the Redis key prefix; one per inbox when several clusters share a Redis. @default 'numarkdown-watch' */
  queuePrefix?: string
  /**
   * Cluster mode: how long a document stays claimed by an instance that stopped answering (killed, cut off)
   * before another instance takes it over and resumes its job, in milliseconds. @default 30000
   */
  queueLockMs?: number
  /**
   * Convert PDFs page by page: each page its own job, run concurrently; the live view shows the pages done
   * (`page 7/20`) and the journal records each page's job, so a restart after a crash converts again only the
   * pages that never got one. Other documents are converted whole (said once in the log). @default false
   */
  splitPages?: boolean
  /**
   * PDFs only: convert only these pages (`'1-3,7,10-'`, or page numbers like `[1, 2, 5]`), page by page as
   * with `splitPages`. A document without such pages fails with the reason; other documents are converted
   * whole. @default every page
   */
  pages?: string | readonly number[]
  /**
   * With `splitPages` or `pages`: what a page that still fails after it was converted again on its own does.
   * `fail`: the document fails, naming the page, and no output is written. `skip`: the output is written with a
   * marker (`<!-- numarkdown: page 3 of book.pdf failed: … -->`) where the page would have been, the log, the
   * live view and the summary name the failed pages, and the journal records them; the document counts as
   * converted (with failed pages) and is converted again only when it changes. A document whose every page
   * failed fails. @default 'fail'
   */
  onPageError?: OnPageError
}

const optionKeys = [
  'inbox',
  'out',
  'once',
  'concurrency',
  'include',
  'exclude',
  'stabilityMs',
  'poll',
  'rescanMs',
  'state',
  'reasoning',
  'onSuccess',
  'doneDir',
  'deleteOutputs',
  'baseUrl',
  'apiKey',
  'log',
  'graceMs',
  'maxAttempts',
  'queue',
  'queuePrefix',
  'queueLockMs',
  'splitPages',
  'pages',
  'onPageError',
] as const satisfies readonly (keyof WatcherOptions)[]
// A key added to WatcherOptions but not to the list above fails to compile here.
type MissingKey = Exclude<keyof WatcherOptions, (typeof optionKeys)[number]>
const everyKeyListed: [MissingKey] extends [never] ? true : MissingKey = true
void everyKeyListed

/** Every key of {@link WatcherOptions}: the options objects are checked against this list. */
export const watcherOptionKeys: readonly (keyof WatcherOptions)[] = optionKeys

/** The extensions taken by default. */
export const defaultExtensions: readonly string[] = [
  'pdf',
  'png',
  'jpg',
  'jpeg',
  'tif',
  'tiff',
  'webp',
  'bmp',
  'docx',
  'html',
  'htm',
  'txt',
]

/** @deprecated Use {@link defaultExtensions}; this name stays until the next major version. */
// biome-ignore lint/style/useNamingConvention: the published name, kept as an alias so that no import breaks
export const DEFAULT_EXTENSIONS: readonly string[] = defaultExtensions

/** Options with every default applied and every path absolute. */
export interface ResolvedOptions {
  inbox: string
  out: string
  once: boolean
  concurrency: number
  include: string[]
  exclude: string[]
  stabilityMs: number
  /** `false`: native events; a number: polling interval; `'auto'`: decided from the mount table. */
  poll: false | number | 'auto'
  rescanMs: number
  state: string
  reasoning: boolean
  onSuccess: OnSuccess
  doneDir: string
  deleteOutputs: boolean
  baseUrl: string | undefined
  apiKey: string | undefined
  log: LogFormat
  graceMs: number
  maxAttempts: number
  /** The cluster's Redis URL, or `undefined` for a single watcher. */
  queue: string | undefined
  queuePrefix: string
  queueLockMs: number
  splitPages: boolean
  /** The pages asked for, as a spec (`1-3,7,10-`), or `undefined` for every page. */
  pages: string | undefined
  onPageError: OnPageError
}

/** How an option is named in messages: its key for a program, its flag (`--stability-ms`) on the command line. */
export type OptionNamer = (key: keyof WatcherOptions) => string

function invalid(key: keyof WatcherOptions, message: string): ValidationError {
  return new ValidationError(message, { parameter: key })
}

/**
 * Apply defaults and validate; throws a `ValidationError` naming the option and the value received, or an
 * unknown key and the closest known one (`unknown option baseURL: did you mean baseUrl?`).
 */
export function resolveOptions(options: WatcherOptions, isTTY = false): ResolvedOptions {
  checkKnownOptions(options, watcherOptionKeys, 'numarkdown-watch options')
  return resolveNamedOptions(options, isTTY, (key) => key)
}

/** {@link resolveOptions} with messages naming each option as `name` says (the command line names flags). */
export function resolveNamedOptions(
  options: WatcherOptions,
  isTTY: boolean,
  name: OptionNamer,
): ResolvedOptions {
  const integer = (
    key: keyof WatcherOptions,
    value: unknown,
    { min, max = Number.MAX_SAFE_INTEGER }: { min: number; max?: number },
  ): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw invalid(key, `expected ${name(key)} to be an integer ${min} ≤ n ≤ ${max}, got ${describe(value)}`)
    }
    return value
  }
  if (typeof options.inbox !== 'string' || options.inbox === '') {
    throw invalid('inbox', `expected ${name('inbox')} to be a folder path, got ${describe(options.inbox)}`)
  }
  const inbox = resolve(options.inbox)
  const out = resolve(options.out ?? resolve(inbox, '..', 'out'))
  if (out === inbox)
    throw invalid('out', `expected ${name('out')} to differ from the inbox, got ${JSON.stringify(out)}`)
  const include = (options.include ?? [...defaultExtensions]).map((extension) =>
    extension.replace(/^\./, '').toLowerCase(),
  )
  for (const extension of include) {
    if (!/^[a-z0-9]+$/.test(extension)) {
      throw invalid(
        'include',
        `expected ${name('include')} to list extensions like pdf,docx, got ${describe(extension)}`,
      )
    }
  }
  if (include.length === 0) {
    throw invalid('include', `expected ${name('include')} to list at least one extension, got none`)
  }
  let poll: ResolvedOptions['poll'] = 'auto'
  if (options.poll === true) poll = 2000
  else if (options.poll === false) poll = false
  else if (options.poll !== undefined) poll = integer('poll', options.poll, { min: 50 })
  const onSuccess = options.onSuccess ?? 'keep'
  if (!['keep', 'move', 'delete'].includes(onSuccess)) {
    throw invalid(
      'onSuccess',
      `expected ${name('onSuccess')} to be keep, move or delete, got ${describe(onSuccess)}`,
    )
  }
  const log = options.log ?? (isTTY ? 'pretty' : 'json')
  if (log !== 'pretty' && log !== 'json') {
    throw invalid('log', `expected ${name('log')} to be pretty or json, got ${describe(log)}`)
  }
  let baseUrl: string | undefined
  if (options.baseUrl !== undefined) {
    try {
      baseUrl = new URL(options.baseUrl).toString()
    } catch {
      throw invalid('baseUrl', `expected ${name('baseUrl')} to be a URL, got ${describe(options.baseUrl)}`)
    }
  }
  let queue: string | undefined
  if (options.queue !== undefined) {
    let url: URL | undefined
    try {
      url = new URL(options.queue)
    } catch {}
    if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
      throw invalid(
        'queue',
        `expected ${name('queue')} to be a Redis URL like redis://host:6379, got ${describe(redactUrl(String(options.queue)))}`,
      )
    }
    queue = url.toString()
  }
  const queuePrefix = options.queuePrefix ?? 'numarkdown-watch'
  if (typeof queuePrefix !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(queuePrefix)) {
    throw invalid(
      'queuePrefix',
      `expected ${name('queuePrefix')} to be up to 64 letters, digits, '.', '_' or '-', got ${describe(queuePrefix)}`,
    )
  }
  const splitPages = options.splitPages ?? false
  if (typeof splitPages !== 'boolean') {
    throw invalid(
      'splitPages',
      `expected ${name('splitPages')} to be true or false, got ${describe(splitPages)}`,
    )
  }
  let pages: string | undefined
  if (options.pages !== undefined) {
    try {
      // Core's grammar, in one spelling: the spec is part of the options fingerprint.
      pages = validatePageSpec(options.pages as PageSpec)
    } catch (error) {
      if (!ValidationError.isInstance(error)) throw error
      const why = error.message.replace(/^pages .*?: /, '')
      throw invalid(
        'pages',
        `expected ${name('pages')} to be pages like 1-3,7,10- (ranges, pages, an open range to the last page), got ${describe(options.pages)}: ${why}`,
      )
    }
  }
  const onPageError = options.onPageError ?? 'fail'
  if (onPageError !== 'fail' && onPageError !== 'skip') {
    throw invalid(
      'onPageError',
      `expected ${name('onPageError')} to be fail or skip, got ${describe(onPageError)}`,
    )
  }
  if (options.onPageError !== undefined && !splitPages && pages === undefined) {
    // Whole documents have no pages to skip: a setting that would do nothing is refused, as core refuses it.
    throw invalid(
      'onPageError',
      `expected ${name('splitPages')} or ${name('pages')} with ${name('onPageError')} ${onPageError}: only a document converted page by page has pages that fail on their own`,
    )
  }
  return {
    inbox,
    out,
    once: options.once ?? false,
    concurrency: integer('concurrency', options.concurrency ?? 2, { min: 1, max: 256 }),
    include,
    exclude: options.exclude ?? [],
    stabilityMs: integer('stabilityMs', options.stabilityMs ?? 2000, { min: 0 }),
    poll,
    rescanMs: integer('rescanMs', options.rescanMs ?? 60_000, { min: 100 }),
    state: resolve(options.state ?? resolve(out, '.numarkdown-watch', 'state.jsonl')),
    reasoning: options.reasoning ?? false,
    onSuccess,
    doneDir: resolve(options.doneDir ?? resolve(inbox, '.done')),
    deleteOutputs: options.deleteOutputs ?? false,
    baseUrl,
    apiKey: options.apiKey,
    log,
    graceMs: integer('graceMs', options.graceMs ?? 30_000, { min: 0 }),
    maxAttempts: integer('maxAttempts', options.maxAttempts ?? 5, { min: 1, max: 100 }),
    queue,
    queuePrefix,
    queueLockMs: integer('queueLockMs', options.queueLockMs ?? 30_000, { min: 1000, max: 600_000 }),
    splitPages,
    pages,
    onPageError,
  }
}

/** A URL as it may be shown: as typed, less its user name and password. */
export function redactUrl(text: string): string {
  const withScheme = /^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i
  if (withScheme.test(text)) return text.replace(withScheme, '$1')
  // Not a URL with a scheme: whatever stands before an @ may be a password.
  return text.replace(/^[^@/]*@/, '***@')
}
