#!/usr/bin/env node
/**
 * The `numarkdown` command. This file stays small on purpose: it reads the arguments with `node:util` and
 * answers `--help`, `--version` and usage errors itself, and loads the client, the stream adapters and the
 * local server only when there is something to convert (`numarkdown --help` starts in about the time of a bare
 * `node -e 0`; see bench/src/benchmarks/cli-startup.ts).
 */
import { readFileSync } from 'node:fs'
import { type CliRequest, longFlags, parseCli } from './internal/arguments.js'
import { helpText } from './internal/help.js'
import { UsageError } from './internal/usage-error.js'

/** Prints a usage error, with the closest known flag for a mistyped one, and returns exit status 2. */
async function reportUsageError(error: UsageError): Promise<number> {
  let message = error.message
  if (error.unknownFlag?.startsWith('--')) {
    // Only on this path is core loaded to spell the suggestion the way every package of numarkdown-js does.
    const { checkKnownOptions } = await import('@numarkdown/core')
    try {
      checkKnownOptions({ [error.unknownFlag.split('=')[0]!]: true }, longFlags)
    } catch (suggestion) {
      message = (suggestion as Error).message
    }
  }
  process.stderr.write(`numarkdown: ${message}\n(see numarkdown --help)\n`)
  return 2
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return manifest.version
}

async function main(): Promise<number | undefined> {
  let request: CliRequest
  try {
    request = parseCli(process.argv.slice(2))
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError(error)
    throw error
  }
  if (request.kind === 'help') {
    process.stdout.write(helpText)
    return 0
  }
  if (request.kind === 'version') {
    process.stdout.write(`${version()}\n`)
    return 0
  }
  const { run } = await import('./internal/run.js')
  return run(request.options)
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`numarkdown: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
