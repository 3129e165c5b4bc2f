#!/usr/bin/env node
/**
 * The `numarkdown-server` command: parses its flags, starts the server with the chosen engine, logs requests,
 * and stops cleanly on SIGINT/SIGTERM. `--version` and `--help` answer before any engine is loaded, and the
 * server itself (busboy, ioredis, bullmq: most of a second of module loading) is imported only for a run.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import { createEngineFromFlags } from './cli-engine.js'
import { parseCliArgs, usage } from './internal/cli-args.js'
import type { ServerOptions } from './types.js'

// The last line of defence, not the way errors are handled (every job's failure is its own `failed` state): one
// stray rejection in a library must not take down a server that runs everyone's jobs. It is reported, and the
// server goes on.
process.on('unhandledRejection', (reason) => {
  const detail = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)
  process.stderr.write(`numarkdown-server: unhandled rejection (the server keeps running): ${detail}\n`)
})

function packageVersion(): string {
  // dist/cli.js and src/cli.ts both sit one folder below the package's package.json.
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version
}

async function main(): Promise<number> {
  let config: ReturnType<typeof parseCliArgs>
  try {
    config = parseCliArgs(process.argv.slice(2), process.env)
  } catch (error) {
    process.stderr.write(`numarkdown-server: ${(error as Error).message}\n\n${usage}\n`)
    return 2
  }
  if (config.help) {
    process.stdout.write(`${usage}\n`)
    return 0
  }
  if (config.version) {
    process.stdout.write(`${packageVersion()}\n`)
    return 0
  }
  if (config.role === 'worker') return runWorker(config)
  // An API replica runs no engine: it does not load one.
  const engine = config.role === 'api' ? undefined : await createEngineFromFlags(config.engineFlags)
  const { startServer } = await import('./server.js')
  const server = await startServer({
    ...(engine ? { engine } : {}),
    tokens: config.tokens,
    host: config.host,
    port: config.port,
    ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
    ...(config.maxUploadBytes === undefined ? {} : { maxUploadBytes: config.maxUploadBytes }),
    ...(config.spoolDirectory === undefined ? {} : { spoolDirectory: config.spoolDirectory }),
    ...clusterOptions(config),
    ...(config.redis === undefined ? {} : { role: config.role === 'api' ? 'api' : 'both' }),
  })
  if (!config.quiet) {
    const log = (request: IncomingMessage, response: ServerResponse): void => {
      const startedAt = Date.now()
      response.on('close', () => {
        // The query is left out: it is not secret, but it is noise.
        const path = (request.url ?? '/').split('?')[0]
        const status = response.headersSent ? response.statusCode : 0
        process.stdout.write(`${request.method} ${path} ${status} ${Date.now() - startedAt}ms\n`)
      })
    }
    server.server.on('request', log)
    server.server.on('checkContinue', log)
  }

  const lines = [
    `numarkdown-server listening on ${server.url} (engine: ${engine ? engine.name : 'none, jobs run on workers'})`,
    '',
  ]
  if (config.redis !== undefined) {
    lines.push(`Cluster mode: role ${config.role}, jobs in Redis at ${redactedRedisUrl(config.redis)}`, '')
  }
  if (config.generatedToken) {
    lines.push('No --token given; generated one for this run (shown only now):', '')
    lines.push(`  export NUMARKDOWN_TOKEN=${config.generatedToken}`, '')
  } else {
    lines.push('Set NUMARKDOWN_TOKEN to one of the tokens you passed, then try:', '')
  }
  lines.push(
    `  curl -s -H "Authorization: Bearer $NUMARKDOWN_TOKEN" -F file=@document.pdf '${server.url}/api/markdown/infer-async?temperature=0&rasterizationDPI=170'`,
    `  curl -N -H "Authorization: Bearer $NUMARKDOWN_TOKEN" ${server.url}/api/jobs/JOB_ID/stream`,
    '',
    'Press Ctrl+C to stop.',
    '',
  )
  process.stdout.write(lines.join('\n'))

  return untilStopped(() => server.close())
}

/** `--role worker`: take jobs from the cluster's queue; no API. */
async function runWorker(config: ReturnType<typeof parseCliArgs>): Promise<number> {
  const engine = await createEngineFromFlags(config.engineFlags)
  if (config.redis === undefined) throw new TypeError('--role worker needs --redis')
  const { startWorker } = await import('./worker.js')
  const worker = await startWorker({
    engine,
    redis: config.redis,
    ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
    ...(config.spoolDirectory === undefined ? {} : { spoolDirectory: config.spoolDirectory }),
    ...(config.redisPrefix === undefined ? {} : { redisPrefix: config.redisPrefix }),
    ...(config.workerLockMs === undefined ? {} : { workerLockMs: config.workerLockMs }),
  })
  process.stdout.write(
    `numarkdown-server worker taking jobs from ${worker.redis} (engine: ${engine.name}, concurrency ` +
      `${config.concurrency ?? 4}, uploads in ${config.spoolDirectory}).\n\nPress Ctrl+C to stop: running jobs go ` +
      'back to the queue.\n',
  )
  return untilStopped(() => worker.close())
}

function clusterOptions(config: ReturnType<typeof parseCliArgs>): Partial<ServerOptions> {
  if (config.redis === undefined) return {}
  return {
    redis: config.redis,
    ...(config.ownerSecret === undefined ? {} : { ownerSecret: config.ownerSecret }),
    ...(config.redisPrefix === undefined ? {} : { redisPrefix: config.redisPrefix }),
    ...(config.workerLockMs === undefined ? {} : { workerLockMs: config.workerLockMs }),
  }
}

/** The URL without user name and password: it goes to the log. */
function redactedRedisUrl(value: string): string {
  try {
    const url = new URL(value)
    url.username = ''
    url.password = ''
    return url.href.replace(/\/$/, '')
  } catch {
    return 'an invalid URL'
  }
}

/** Resolves with the exit code once SIGINT or SIGTERM has stopped what `stop` stops. */
function untilStopped(close: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        process.stderr.write(`numarkdown-server: ${signal} again, exiting now\n`)
        resolve(1)
        return
      }
      stopping = true
      process.stdout.write(`numarkdown-server: ${signal}, stopping\n`)
      close().then(
        () => resolve(0),
        (error: unknown) => {
          process.stderr.write(`numarkdown-server: ${(error as Error).message}\n`)
          resolve(1)
        },
      )
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`numarkdown-server: ${(error as Error).message ?? String(error)}\n`)
    process.exit(1)
  },
)
