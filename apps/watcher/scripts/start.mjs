// `pnpm start` at the repository root: build numarkdown-watch and the packages it needs, saying so (the first
// build takes a while), then run the watcher on examples/inbox in this same process. The root script starts
// this file with `exec`, so no shell stands between pnpm and the watcher: Ctrl-C reaches the watcher, which
// stops cleanly and exits 0, and pnpm has no failure to report.
import { spawn } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const cli = join(root, 'apps/watcher/dist/cli.js')

let interrupted = false
const onInterrupt = () => {
  interrupted = true
}
process.on('SIGINT', onInterrupt)
process.on('SIGTERM', onInterrupt)

process.stdout.write(
  'numarkdown-watch: building it and the packages it needs (about a minute the first time, seconds after)…\n',
)
const startedAt = Date.now()
const build = spawn(
  join(root, 'node_modules/.bin/turbo'),
  ['run', 'build', '--filter=numarkdown-watch...', '--output-logs=errors-only'],
  { cwd: root, stdio: 'inherit' },
)
const code = await new Promise((resolve) => {
  build.on('error', (error) => {
    process.stderr.write(`numarkdown-watch: cannot run the build: ${error.message}\n`)
    resolve(1)
  })
  build.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)))
})
if (interrupted) {
  process.stdout.write('numarkdown-watch: stopped before the build finished.\n')
  process.exit(0)
}
if (code !== 0) {
  process.stderr.write('numarkdown-watch: the build failed (see above).\n')
  process.exit(code)
}
process.stdout.write(`numarkdown-watch: built in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.\n`)
process.off('SIGINT', onInterrupt)
process.off('SIGTERM', onInterrupt)

// The watcher's own command, in this process: it handles SIGINT and SIGTERM from here on.
process.argv = [process.argv[0], cli, 'examples/inbox', '--out', 'examples/out', ...process.argv.slice(2)]
await import(pathToFileURL(cli).href)
