#!/usr/bin/env node
import { createDisplay } from './display.js'
import { HELP, parseCli } from './internal/cli-arguments.js'
import { resolveOptions } from './options.js'
import { createWatcher, formatSummary } from './watcher.js'

async function main(): Promise<number> {
  let request: ReturnType<typeof parseCli>
  let options: ReturnType<typeof resolveOptions>
  try {
    request = parseCli(process.argv.slice(2))
    if (request.kind === 'help') {
      process.stdout.write(HELP)
      return 0
    }
    options = resolveOptions(request.options, process.stdout.isTTY === true)
  } catch (error) {
    process.stderr.write(`numarkdown-watch: ${(error as Error).message}\n(see numarkdown-watch --help)\n`)
    return 2
  }
  const display = createDisplay({ format: options.log, secrets: [options.apiKey] })
  let watcher: Awaited<ReturnType<typeof createWatcher>>
  try {
    watcher = await createWatcher(request.options, { display })
  } catch (error) {
    display.log('error', 'cannot start', { error: (error as Error).message })
    display.close()
    return 2
  }
  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals++
    if (signals > 1) {
      display.log(
        'warn',
        'second signal: exiting now; the state is saved, remote jobs resume on the next start',
      )
      process.exit(130)
    }
    void watcher.stop(signal)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const summary = await watcher.finished
  display.close()
  if (options.once) {
    if (options.log === 'json') {
      process.stdout.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: 'info', message: 'summary', ...summary })}\n`,
      )
    } else process.stdout.write(formatSummary(summary, options.out))
    return summary.failed === 0 ? 0 : 1
  }
  return 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: Error) => {
    process.stderr.write(`numarkdown-watch: ${error.message}\n`)
    process.exitCode = 2
  },
)
