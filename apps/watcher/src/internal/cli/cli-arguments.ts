import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { checkKnownOptions, resolveConnection } from '@numarkdown/core'
import type { WatcherOptions } from '../../options.js'
import { flagTable } from './cli-flags.js'

export { helpText } from './cli-flags.js'

/** The result of reading argv, the environment and the config file. */
export type CliRequest = { kind: 'help' } | { kind: 'run'; options: WatcherOptions }

/** Flags that are about the command itself, not settings: not read from the environment or a config file. */
const notSettings = new Set(['help', 'version', 'config'])
/** Environment variables that are read besides the settings. */
const otherVariables = ['NUMARKDOWN_WATCH_CONFIG']
const variablePrefix = 'NUMARKDOWN_WATCH_'

type RawValue = string | boolean | string[] | number | undefined

const numeric: Record<string, keyof WatcherOptions> = {
  concurrency: 'concurrency',
  'stability-ms': 'stabilityMs',
  'rescan-ms': 'rescanMs',
  'grace-ms': 'graceMs',
  'max-attempts': 'maxAttempts',
  'queue-lock-ms': 'queueLockMs',
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())
}

function toNumber(name: string, value: RawValue): number {
  if (typeof value === 'number') return value
  const number = Number(value)
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(number)) {
    throw new TypeError(`expected --${name} to be a number, got ${JSON.stringify(value)}`)
  }
  return number
}

function toBoolean(name: string, value: RawValue): boolean {
  if (typeof value === 'boolean') return value
  if (value === 'true' || value === '1' || value === 'yes') return true
  if (value === 'false' || value === '0' || value === 'no' || value === '') return false
  throw new TypeError(`expected ${name} to be true or false, got ${JSON.stringify(value)}`)
}

function list(value: RawValue): string[] {
  const items = Array.isArray(value) ? value : String(value).split(',')
  return items.map((item) => item.trim()).filter((item) => item !== '')
}

/** Merge one layer of raw settings (flag names as keys) into watcher options. */
function apply(target: WatcherOptions, raw: Record<string, RawValue>, base: string): void {
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || notSettings.has(name)) continue
    if (name in numeric) {
      ;(target as unknown as Record<string, unknown>)[numeric[name]!] = toNumber(name, value)
    } else if (name === 'poll') {
      if (typeof value === 'string' && /^\d+$/.test(value)) target.poll = Number(value)
      else if (typeof value === 'number') target.poll = value
      else target.poll = toBoolean('poll', value)
    } else if (
      name === 'once' ||
      name === 'reasoning' ||
      name === 'delete-outputs' ||
      name === 'split-pages'
    ) {
      ;(target as unknown as Record<string, unknown>)[camel(name)] = toBoolean(name, value)
    } else if (name === 'include' || name === 'exclude') {
      target[name] = list(value)
    } else if (name === 'out' || name === 'state' || name === 'done-dir' || name === 'inbox') {
      ;(target as unknown as Record<string, unknown>)[camel(name)] = resolve(base, String(value))
    } else if (name === 'on-success') {
      target.onSuccess = String(value) as WatcherOptions['onSuccess']
    } else if (name === 'on-page-error') {
      target.onPageError = String(value) as WatcherOptions['onPageError']
    } else if (name === 'log') {
      target.log = String(value) as WatcherOptions['log']
    } else if (name === 'base-url') {
      target.baseUrl = String(value)
    } else if (name === 'queue') {
      target.queue = String(value)
    } else if (name === 'queue-prefix') {
      target.queuePrefix = String(value)
    } else if (name === 'pages') {
      // A config file may list page numbers; the command line and the environment give a spec.
      target.pages = Array.isArray(value) ? (value as unknown as number[]) : String(value)
    } else {
      throw new TypeError(`unknown option ${JSON.stringify(name)}`)
    }
  }
}

/** Config files may spell keys as flags (`stability-ms`) or in camelCase (`stabilityMs`). */
function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)
}

/** The settings' names (flag names, and `inbox`, which is positional on the command line). */
function settingNames(): string[] {
  return [...Object.keys(flagTable).filter((name) => !notSettings.has(name)), 'inbox']
}

function variableOf(name: string): string {
  return `${variablePrefix}${name.toUpperCase().replace(/-/g, '_')}`
}

/** parseArgs names an unknown flag without a suggestion: name the closest known one too. */
function parseFlags(args: string[]) {
  try {
    return parseArgs({ args, options: flagTable, allowPositionals: true, strict: true })
  } catch (error) {
    const unknown = /^Unknown option '([^']+)'/.exec((error as Error).message)?.[1]
    if ((error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
      checkKnownOptions(
        { [unknown]: true },
        Object.keys(flagTable).map((name) => `--${name}`),
      )
    }
    throw error
  }
}

/**
 * Read the settings: the config file, then `NUMARKDOWN_WATCH_*` variables, then flags (later wins).
 * `--poll=500` and `--poll 500`-less forms are normalised before `parseArgs` (which has no optional values).
 */
export function parseCli(
  argv: readonly string[],
  environment: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): CliRequest {
  let pollInterval: number | undefined
  const normalised: string[] = []
  for (const argument of argv) {
    const match = /^--poll=(.*)$/.exec(argument)
    if (match) {
      pollInterval = toNumber('poll', match[1])
      normalised.push('--poll')
    } else normalised.push(argument)
  }
  const { values, positionals } = parseFlags(normalised)
  if (values.help) return { kind: 'help' }

  const options = {} as WatcherOptions
  const configPath = values.config ?? environment.NUMARKDOWN_WATCH_CONFIG
  const defaultConfig = resolve(cwd, 'numarkdown-watch.config.json')
  let configFile: string | undefined = configPath ? resolve(cwd, configPath) : undefined
  let configText: string | undefined
  if (configFile) configText = readFileSync(configFile, 'utf8')
  else {
    try {
      configText = readFileSync(defaultConfig, 'utf8')
      configFile = defaultConfig
    } catch {}
  }
  if (configText !== undefined && configFile) {
    let parsed: unknown
    try {
      parsed = JSON.parse(configText)
    } catch (error) {
      throw new TypeError(`expected ${configFile} to hold JSON: ${(error as Error).message}`)
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new TypeError(`expected ${configFile} to hold a JSON object, got ${JSON.stringify(parsed)}`)
    }
    const names = settingNames()
    checkKnownOptions(parsed, [...names, ...names.map(camel)], configFile)
    const raw: Record<string, RawValue> = {}
    for (const [key, value] of Object.entries(parsed)) raw[flagName(key)] = value as RawValue
    apply(options, raw, dirname(configFile))
  }

  const fromEnvironment: Record<string, RawValue> = {}
  const ours = Object.fromEntries(
    Object.entries(environment).filter(([variable]) => variable.startsWith(variablePrefix)),
  )
  checkKnownOptions(ours, [...settingNames().map(variableOf), ...otherVariables], 'the environment')
  for (const name of settingNames()) {
    const variable = variableOf(name)
    if (environment[variable] !== undefined) fromEnvironment[name] = environment[variable]
  }
  apply(options, fromEnvironment, cwd)

  const fromFlags: Record<string, RawValue> = { ...values }
  if (pollInterval !== undefined) fromFlags.poll = pollInterval
  apply(options, fromFlags, cwd)

  if (positionals.length > 1) {
    throw new TypeError(
      `expected one inbox folder, got ${positionals.length}: ${JSON.stringify(positionals)}`,
    )
  }
  if (positionals[0] !== undefined) options.inbox = resolve(cwd, positionals[0])
  if (!options.inbox) throw new TypeError('expected an inbox folder: numarkdown-watch <inbox> (see --help)')
  const connection = resolveConnection({ baseUrl: options.baseUrl }, environment)
  if (connection.apiKey !== undefined) options.apiKey = connection.apiKey
  if (connection.baseUrl !== undefined) options.baseUrl = connection.baseUrl
  return { kind: 'run', options }
}
