import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { skip } from '../skip.ts'

/** The CLI of numarkdown-watch, built. */
export const watcherCli: string = fileURLToPath(new URL('../../../apps/watcher/dist/cli.js', import.meta.url))

export function requireWatcher(): void {
  if (!existsSync(watcherCli)) skip('apps/watcher is not built (pnpm --filter numarkdown-watch build)')
}

export interface WatcherRun {
  child: ChildProcessWithoutNullStreams
  /** Resolves once a JSON log line with this `message` was printed. */
  logged(message: string): Promise<void>
  /** Resolves with the exit code. */
  exited: Promise<number | null>
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>
}

/**
 * Spawns `numarkdown-watch <inbox> --out <out> --log json --base-url <url> …` with the token in
 * `NUMIND_API_KEY`, in `cwd` (so that no config file of the caller's folder applies) and without any
 * `NUMARKDOWN_WATCH_*` setting of the caller's environment.
 */
export function spawnWatcher(options: {
  inbox: string
  out: string
  baseUrl: string
  apiKey: string
  cwd: string
  extra: string[]
}): WatcherRun {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('NUMARKDOWN_WATCH_') && name !== 'NUMARKDOWN_BASE_URL') env[name] = value
  }
  env.NUMIND_API_KEY = options.apiKey
  const args = [
    watcherCli,
    options.inbox,
    '--out',
    options.out,
    '--log',
    'json',
    '--base-url',
    options.baseUrl,
  ]
  const child = spawn(process.execPath, [...args, ...options.extra], { cwd: options.cwd, env })
  const seen = new Set<string>()
  const waiting = new Map<string, Array<() => void>>()
  let pending = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    pending += text
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      const match = /"message":"((?:[^"\\]|\\.)*)"/.exec(line)
      if (!match) continue
      const message = match[1]!
      seen.add(message)
      for (const resolve of waiting.get(message) ?? []) resolve()
      waiting.delete(message)
    }
  })
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000)
  })
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  return {
    child,
    exited,
    logged(message) {
      if (seen.has(message)) return Promise.resolve()
      return Promise.race([
        new Promise<void>((resolve) => waiting.set(message, [...(waiting.get(message) ?? []), resolve])),
        exited.then((code) => {
          throw new Error(`numarkdown-watch exited (${code}) before logging "${message}": ${stderr.trim()}`)
        }),
      ])
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}
