#!/usr/bin/env node
/**
 * The `numarkdown-watch` command. `--version` answers from package.json alone and `--help` from the flags
 * table alone; everything else (the watcher, chokidar, the client, the local server) is loaded only when a
 * run starts.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { flagTable, helpText } from './internal/cli/cli-flags.js'

/** `--help` among arguments the full reading accepts too; anything it would refuse is left to it to explain. */
function asksForHelp(args: string[]): boolean {
  try {
    return parseArgs({ args, options: flagTable, allowPositionals: true, strict: true }).values.help === true
  } catch {
    return false
  }
}

const argv = process.argv.slice(2)
const end = argv.indexOf('--')
const flags = end === -1 ? argv : argv.slice(0, end)
if (flags.includes('--version') || flags.includes('-v')) {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  process.stdout.write(`${manifest.version}\n`)
} else if (asksForHelp(argv)) {
  process.stdout.write(helpText)
} else {
  const { runCli } = await import('./internal/cli/cli-main.js')
  await runCli(argv)
}
