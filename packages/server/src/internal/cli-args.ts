/**
 * The flags and environment of `numarkdown-server`, parsed and checked in one place, and the text of `--help`.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { defaultEngineName, type EngineFlags, engineFlagHelp, engineFlagOptions } from '../cli-engine.js'

/** What the command line asks for. */
export interface CliConfig {
  help: boolean
  /** `--version`: print the package version and exit. */
  version: boolean
  host: string
  port: number
  /** The accepted tokens; the server derives their owners' names. */
  tokens: string[]
  /** Set when no token was given: the token generated for this run, shown once. */
  generatedToken?: string
  concurrency?: number
  maxUploadBytes?: number
  spoolDirectory?: string
  quiet: boolean
  engineFlags: EngineFlags
  /** Cluster mode: the Redis URL. */
  redis?: string
  /** Cluster mode: what this process does. */
  role: 'api' | 'worker' | 'both'
  /** Cluster mode: the owner secret (better from NUMARKDOWN_OWNER_SECRET than from a flag other users can see). */
  ownerSecret?: string
  redisPrefix?: string
  workerLockMs?: number
}

export const usage: string = [
  'Usage: numarkdown-server [options]',
  '',
  'Serve the NuMarkdown API (POST /api/markdown/infer-async, GET /api/jobs/...) on your machine.',
  '',
  'Options:',
  '  --host <host>            Interface to listen on. Default: 127.0.0.1',
  '  --port <port>            Port to listen on; 0 picks a free one. Default: 8080',
  '  --token <token>          An accepted bearer token; repeat for several. Also read from',
  '                           NUMARKDOWN_SERVER_TOKENS (comma-separated). When none is given, a',
  '                           random token is generated and printed once.',
  ...engineFlagHelp,
  '  --concurrency <n>        Jobs converting at once; the others wait as pending. Default: 4',
  '  --max-upload-mb <n>      Uploads larger than this get 413. Default: 1024',
  '  --upload-dir <path>      Where uploads are kept while their job runs (also --spool-dir). In cluster mode',
  '                           a folder every node reads (a shared file system), required. Default: the',
  '                           system temp folder',
  '',
  'Cluster mode (many API replicas and engine workers sharing jobs through Redis):',
  '  --redis <url>            The Redis of the cluster, e.g. redis://10.0.0.5:6379 (redis://user:pass@host:port,',
  '                           rediss:// for TLS). Jobs survive a restart of any node.',
  '  --role <role>            api (serve the API, queue jobs), worker (run jobs through the engine, no API), or',
  '                           both. Default: both',
  '  --owner-secret <secret>  The key that names the owners of tokens, the same on every node (also',
  '                           NUMARKDOWN_OWNER_SECRET). Default: one created once in Redis',
  '  --redis-prefix <name>    The namespace of the Redis keys, for several clusters on one Redis. Default: numarkdown',
  '  --worker-lock-ms <n>     A job whose worker stops renewing its claim for this long is taken by another',
  '                           worker (once). Default: 30000',
  '',
  '  --quiet                  Do not log requests.',
  '  --version                Print the version and exit.',
  '  --help                   Show this help.',
].join('\n')

/** Parse the arguments and environment of `numarkdown-server`; throws a TypeError naming a bad value. */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv): CliConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...engineFlagOptions,
      host: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string', multiple: true },
      concurrency: { type: 'string' },
      'max-upload-mb': { type: 'string' },
      'spool-dir': { type: 'string' },
      'upload-dir': { type: 'string' },
      redis: { type: 'string' },
      role: { type: 'string' },
      'owner-secret': { type: 'string' },
      'redis-prefix': { type: 'string' },
      'worker-lock-ms': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  })
  const given = [
    ...((values.token as string[] | undefined) ?? []),
    ...(env.NUMARKDOWN_SERVER_TOKENS ?? '').split(','),
  ]
    .map((token) => token.trim())
    .filter((token) => token !== '')
  for (const token of given) {
    if (/\s/.test(token)) throw new TypeError('--token must not contain spaces')
  }
  const role = (values.role as string | undefined) ?? 'both'
  if (role !== 'api' && role !== 'worker' && role !== 'both') {
    throw new TypeError(`--role must be one of api, worker, both, got ${role}`)
  }
  const redis = values.redis as string | undefined
  for (const flag of ['role', 'owner-secret', 'redis-prefix', 'worker-lock-ms'] as const) {
    if (values[flag] !== undefined && redis === undefined) {
      throw new TypeError(`--${flag} is for cluster mode: give --redis as well`)
    }
  }
  // A worker serves no API: it needs no token.
  const generatedToken =
    given.length === 0 && role !== 'worker' ? randomBytes(24).toString('base64url') : undefined
  const tokens = [...new Set(generatedToken ? [generatedToken] : given)]
  const engineFlags: EngineFlags = {}
  for (const name of Object.keys(engineFlagOptions)) {
    const value = values[name as keyof typeof values]
    if (value !== undefined) engineFlags[name] = value
  }
  engineFlags.engine ??= defaultEngineName
  const config: CliConfig = {
    help: values.help === true,
    version: values.version === true,
    host: (values.host as string | undefined) ?? '127.0.0.1',
    port: integer('--port', values.port as string | undefined, { min: 0, max: 65535 }) ?? 8080,
    tokens,
    quiet: values.quiet === true,
    engineFlags,
    role,
  }
  if (generatedToken) config.generatedToken = generatedToken
  const concurrency = integer('--concurrency', values.concurrency as string | undefined, {
    min: 1,
    max: 1024,
  })
  if (concurrency !== undefined) config.concurrency = concurrency
  const maxUploadMb = integer('--max-upload-mb', values['max-upload-mb'] as string | undefined, {
    min: 1,
    max: 1024 * 1024,
  })
  if (maxUploadMb !== undefined) config.maxUploadBytes = maxUploadMb * 1024 * 1024
  const spoolDirectory = (values['upload-dir'] ?? values['spool-dir']) as string | undefined
  if (values['upload-dir'] !== undefined && values['spool-dir'] !== undefined) {
    throw new TypeError('--upload-dir and --spool-dir name the same folder: give one of them')
  }
  if (spoolDirectory !== undefined) config.spoolDirectory = spoolDirectory
  if (redis !== undefined) {
    if (spoolDirectory === undefined) {
      throw new TypeError(
        '--redis needs --upload-dir: a folder every node of the cluster reads (a shared file system)',
      )
    }
    config.redis = redis
    const ownerSecret = (values['owner-secret'] as string | undefined) ?? env.NUMARKDOWN_OWNER_SECRET
    if (ownerSecret !== undefined && ownerSecret !== '') config.ownerSecret = ownerSecret
    const prefix = values['redis-prefix'] as string | undefined
    if (prefix !== undefined) config.redisPrefix = prefix
    const lockMs = integer('--worker-lock-ms', values['worker-lock-ms'] as string | undefined, {
      min: 100,
      max: 3_600_000,
    })
    if (lockMs !== undefined) config.workerLockMs = lockMs
  }
  return config
}

function integer(
  flag: string,
  value: string | undefined,
  range: { min: number; max: number },
): number | undefined {
  const { min, max } = range
  if (value === undefined) return undefined
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!(Number.isSafeInteger(number) && number >= min && number <= max)) {
    throw new TypeError(`${flag} must be an integer within ${min}..${max}, got ${value}`)
  }
  return number
}
