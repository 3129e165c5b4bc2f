/** Spawns the real `numarkdown-watch` (dist/cli.js) and reads its JSON-lines log. */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, readFile, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ServerOptions } from '@numarkdown/server'
import { startTestServer, type TestServer, tempDir } from '@numarkdown/testing'

export const cli: string = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/cli.js')

export interface LogLine {
  level: string
  message: string
  path?: string
  jobId?: string
  [field: string]: unknown
}

export interface WatcherProcess {
  child: ChildProcess
  /** Parsed log lines so far. */
  lines: LogLine[]
  /** Everything written to stdout and stderr. */
  output(): string
  /** Everything written to stderr. */
  stderr(): string
  /** Resolves with the first line (already seen or to come) matching `predicate`. */
  waitForLine(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>
  kill(signal?: NodeJS.Signals): void
}

/** A fresh temp folder holding an empty `inbox` and the path of a not yet created `out` beside it. */
export interface Workspace {
  folder: { path: string; remove(): Promise<void> }
  inbox: string
  out: string
}

export async function createWorkspace(): Promise<Workspace> {
  const folder = await tempDir()
  const inbox = join(folder.path, 'inbox')
  await mkdir(inbox)
  return { folder, inbox, out: join(folder.path, 'out') }
}

/** A workspace watched by a running `numarkdown-watch` (already `watching`) that converts on a test server. */
export interface WatchedInbox extends Workspace {
  server: TestServer
  watcher: WatcherProcess
  /** Stops the watcher (SIGTERM, then its exit), the server, and removes the workspace. */
  close(): Promise<void>
}

/** Starts a test server with `engine` and a watcher on a fresh workspace, given `args`; for `beforeAll`. */
export async function startWatchedInbox(
  engine: ServerOptions['engine'],
  args: string[] = [],
): Promise<WatchedInbox> {
  const workspace = await createWorkspace()
  const server = await startTestServer({ engine })
  const watcher = startWatcher({
    inbox: workspace.inbox,
    out: workspace.out,
    url: server.url,
    token: server.token,
    args,
  })
  const close = async () => {
    watcher.kill('SIGTERM')
    await watcher.exited
    await server.close()
    await workspace.folder.remove()
  }
  try {
    await watcher.waitForLine((line) => line.message === 'watching')
  } catch (error) {
    await close()
    throw error
  }
  return { ...workspace, server, watcher, close }
}

export interface StartOptions {
  inbox: string
  out: string
  /** Base URL of the test server; omit to let the watcher start its local server. */
  url?: string
  token?: string
  args?: string[]
  uid?: number
  gid?: number
}

/** Watchers started and not exited yet: a test that fails half-way must not leave one running. */
const running = new Set<ChildProcess>()

/** Kill (SIGKILL) every watcher a test started and that is still running; for `afterEach`. */
export async function killLeftoverWatchers(): Promise<void> {
  const exits = [...running].map(
    (child) => new Promise<void>((resolve) => child.once('exit', () => resolve())),
  )
  for (const child of running) child.kill('SIGKILL')
  await Promise.all(exits)
}

export function startWatcher(options: StartOptions): WatcherProcess {
  const environment: NodeJS.ProcessEnv = { ...process.env }
  delete environment.NUMIND_API_KEY
  delete environment.NUMARKDOWN_BASE_URL
  for (const name of Object.keys(environment))
    if (name.startsWith('NUMARKDOWN_WATCH_')) delete environment[name]
  if (options.token) environment.NUMIND_API_KEY = options.token
  const args = [
    cli,
    options.inbox,
    '--out',
    options.out,
    '--log',
    'json',
    '--stability-ms',
    '150',
    '--rescan-ms',
    '1000',
    ...(options.url ? ['--base-url', options.url] : []),
    ...(options.args ?? []),
  ]
  const child = spawn(process.execPath, args, {
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
  })
  const lines: LogLine[] = []
  let text = ''
  let errorText = ''
  let pending = ''
  const waiters: Array<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = []
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString()
    pending += chunk.toString()
    const parts = pending.split('\n')
    pending = parts.pop()!
    for (const part of parts) {
      if (!part.startsWith('{')) continue
      const line = JSON.parse(part) as LogLine
      lines.push(line)
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(line)
        }
      }
    }
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    text += chunk.toString()
    errorText += chunk.toString()
  })
  running.add(child)
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child)
      resolve(code ?? signal ?? -1)
    })
  })
  return {
    child,
    lines,
    output: () => text,
    stderr: () => errorText,
    exited,
    kill: (signal = 'SIGTERM') => {
      child.kill(signal)
    },
    waitForLine(predicate, timeoutMs = 30_000) {
      const found = lines.find(predicate)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no matching log line within ${timeoutMs} ms; output:\n${text.slice(-4000)}`))
        }, timeoutMs)
        waiters.push({
          predicate,
          resolve: (line) => {
            clearTimeout(timer)
            resolve(line)
          },
        })
        void exited.then(() => {
          setTimeout(() => {
            clearTimeout(timer)
            reject(new Error(`the watcher exited before a matching log line; output:\n${text.slice(-4000)}`))
          }, 50)
        })
      })
    },
  }
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

export async function readIfExists(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined)
}

/** The last record the journal file in `out` holds for `path`. */
export async function journalRecord(out: string, path: string): Promise<Record<string, unknown> | undefined> {
  const text = await readIfExists(join(out, '.numarkdown-watch', 'state.jsonl'))
  let found: Record<string, unknown> | undefined
  for (const line of (text ?? '').split('\n')) {
    try {
      const record = JSON.parse(line) as Record<string, unknown>
      if (record.path === path) found = record
    } catch {}
  }
  return found
}

/** Every job the server holds, as `filename → count`, read through the API (`inputData` names the upload). */
export async function jobsByFilename(url: string, token: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for (let skip = 0; ; skip += 100) {
    const response = await fetch(`${url}/api/jobs?perPage=100&skip=${skip}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const page = (await response.json()) as { totalCount: number; items: Array<{ inputData: string }> }
    for (const job of page.items) {
      const { filename } = JSON.parse(job.inputData) as { filename: string }
      counts.set(filename, (counts.get(filename) ?? 0) + 1)
    }
    if (skip + 100 >= page.totalCount) return counts
  }
}

/** The number of accepted submissions in a server's request log. */
export function submissions(requests: ReadonlyArray<{ route: string; status: number }>): number {
  return requests.filter((request) => request.route === 'submit' && request.status === 200).length
}
