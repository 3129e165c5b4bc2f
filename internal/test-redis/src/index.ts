/**
 * A disposable `redis-server` for tests of the cluster modes (the watcher's `--queue`, the server's `--redis`):
 * the real Debian binary, started by the test on a free port of 127.0.0.1 with persistence off, stopped at the
 * end. Nothing here mocks Redis: a test that needs it either gets the real server or says why it cannot.
 * Under CI (`CI` set) a missing `redis-server` fails the test run loudly; `.ci/run` installs it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { accessSync, constants } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { delimiter, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** Where Debian and most distributions put the binary, besides the `PATH`. */
const wellKnown = ['/usr/bin/redis-server', '/usr/sbin/redis-server', '/usr/local/bin/redis-server']

/** How long a fresh `redis-server` gets to answer PING. */
const readyTimeoutMs = 15_000

/** The path of `redis-server` (`REDIS_SERVER` overrides), or `undefined` when it is not installed. */
export function redisServerPath(): string | undefined {
  const candidates = [
    ...(process.env.REDIS_SERVER ? [process.env.REDIS_SERVER] : []),
    ...(process.env.PATH ?? '').split(delimiter).map((folder) => join(folder, 'redis-server')),
    ...wellKnown,
  ]
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

const installHint = 'install it (apt-get install -y redis-server) or name it in REDIS_SERVER'

/**
 * Whether the Redis tests can run here. `true` when `redis-server` is installed; without it, `false` on a
 * developer's machine (the caller skips, and this says so once on stderr) and a thrown error under CI, where
 * skipping the cluster tests is not allowed.
 */
export function redisAvailable(): boolean {
  if (redisServerPath()) return true
  if (process.env.CI) {
    throw new Error(
      `redis-server is not installed, and CI is set: the cluster tests must run; ${installHint}`,
    )
  }
  process.stderr.write(`redis-server is not installed: the Redis tests are skipped here; ${installHint}\n`)
  return false
}

/** A running `redis-server` of one test file. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string
  port: number
  /** A fresh key prefix (letters, digits and `-`): one per test keeps tests sharing this server apart. */
  prefix(name?: string): string
  /** Everything the server printed, for a failing test's message. */
  output(): string
  /** Stop the server (SIGTERM, then SIGKILL after 5 s); resolves once it has exited. */
  close(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** One PING over a fresh connection: `true` once the server answers `+PONG`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let answer = ''
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1')
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'))
    })
  })
}

/**
 * Start `redis-server` on a free port of 127.0.0.1, persistence off (`--save '' --appendonly no`), and wait
 * until it answers. Throws (never skips) when it is not installed or does not start: call
 * {@link redisAvailable} first to skip on a machine without it. Close it in `afterAll`.
 */
export async function startTestRedis(): Promise<TestRedis> {
  const binary = redisServerPath()
  if (!binary) throw new Error(`redis-server is not installed: ${installHint}`)
  let lastOutput = ''
  // The free port may be taken by someone else between the probe and the start: try another then.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort()
    const child = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--protected-mode',
        'yes',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let text = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    let exitedEarly = false
    void exited.then(() => {
      exitedEarly = true
    })
    const deadline = Date.now() + readyTimeoutMs
    while (!exitedEarly && Date.now() < deadline) {
      if (await ping(port)) return running(child, port, exited, () => text)
      await sleep(25)
    }
    lastOutput = text
    if (!exitedEarly) {
      child.kill('SIGKILL')
      await exited
      throw new Error(`redis-server did not answer on port ${port} within ${readyTimeoutMs} ms:\n${text}`)
    }
  }
  throw new Error(`redis-server would not start (five ports tried):\n${lastOutput}`)
}

function running(child: ChildProcess, port: number, exited: Promise<void>, output: () => string): TestRedis {
  let closing: Promise<void> | undefined
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    prefix: (name = 'test') =>
      `${name.replace(/[^A-Za-z0-9-]/g, '-')}-${randomBytes(4).toString('hex')}`.slice(0, 60),
    output,
    close() {
      closing ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      })()
      return closing
    },
  }
}
