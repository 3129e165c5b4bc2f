/** Spawns the real `numarkdown` (dist/cli.js, built by the global setup) and collects what it writes. */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { openSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestServer } from '@numarkdown/testing'

export const cli: string = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/cli.js')

export interface StartOptions {
  args: string[]
  cwd: string
  /** Converts through this server (`--base-url` and `NUMIND_API_KEY`); without it, offline. */
  server?: TestServer
  /** Extra environment variables (`undefined` removes one). */
  env?: Record<string, string | undefined>
  /** Bytes piped into stdin, or `{ file }` to redirect a file into it; nothing (`/dev/null`) by default. */
  stdin?: string | Uint8Array | { file: string }
  uid?: number
  gid?: number
}

export interface CliProcess {
  child: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves once stderr matches `pattern`; rejects if the process exits first. */
  waitForStderr(pattern: RegExp): Promise<void>
  /** The exit code, or the signal's name. */
  exited: Promise<number | string>
}

export interface CliResult {
  code: number | string
  stdout: string
  stderr: string
}

/**
 * The environment of the parent without anything that would change the command's behaviour. `NODE_PATH` (set
 * by `pnpm exec`) goes too: it lets modules resolve that a user's installation would not find.
 */
export function cleanEnvironment(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env }
  for (const name of ['NUMIND_API_KEY', 'NUMARKDOWN_BASE_URL', 'NO_COLOR', 'FORCE_COLOR', 'NODE_PATH']) {
    delete environment[name]
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete environment[name]
    else environment[name] = value
  }
  return environment
}

export function startCli(options: StartOptions): CliProcess {
  const environment = cleanEnvironment({
    ...(options.server ? { NUMIND_API_KEY: options.server.token } : {}),
    ...options.env,
  })
  const args = [cli, ...(options.server ? ['--base-url', options.server.url] : []), ...options.args]
  const stdin =
    options.stdin === undefined
      ? 'ignore'
      : typeof options.stdin === 'object' && 'file' in options.stdin
        ? openSync(options.stdin.file, 'r')
        : 'pipe'
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: environment,
    stdio: [stdin, 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
  })
  if (stdin === 'pipe') child.stdin!.end(options.stdin as string | Uint8Array)
  let stdout = ''
  let stderr = ''
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = []
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    stdout += text
  })
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(stderr)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
  })
  const exited = once(child, 'close').then(([code, signal]) => (code ?? signal) as number | string)
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForStderr(pattern) {
      if (pattern.test(stderr)) return Promise.resolve()
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve })
        void exited.then(() => {
          if (!pattern.test(stderr)) {
            reject(new Error(`numarkdown exited before stderr matched ${pattern}:\n${stderr}`))
          }
        })
      })
    },
  }
}

/** Runs the command to its end. */
export async function runCli(options: StartOptions): Promise<CliResult> {
  const process = startCli(options)
  const code = await process.exited
  return { code, stdout: process.stdout(), stderr: process.stderr() }
}

/** The job's status as the server reports it. */
export async function jobStatus(server: TestServer, jobId: string): Promise<string> {
  const response = await fetch(`${server.url}/api/jobs/${jobId}`, {
    headers: { authorization: `Bearer ${server.token}` },
  })
  return ((await response.json()) as { status: string }).status
}
