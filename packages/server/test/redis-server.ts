/**
 * A real `redis-server` for the cluster tests: started on a free port of 127.0.0.1 with persistence off, stopped by
 * the test. In CI a missing binary fails the tests loudly (`.ci/run` installs it); elsewhere the cluster tests are
 * skipped with the reason.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const binary = process.env.REDIS_SERVER_BINARY ?? '/usr/bin/redis-server'

/**
 * Whether the cluster tests can run here. Throws in CI when redis-server is missing: there, a skipped cluster test
 * would pass unseen.
 */
export function redisServerAvailable(): boolean {
  if (existsSync(binary)) return true
  if (process.env.CI) {
    throw new Error(
      `${binary} is missing: the cluster tests need a real Redis (apt-get install -y redis-server); in CI they never skip`,
    )
  }
  console.warn(`skipping the cluster tests: ${binary} is missing (apt-get install -y redis-server)`)
  return false
}

/** A running redis-server. */
export interface TestRedis {
  readonly url: string
  readonly port: number
  /** Stop it (its data is gone: persistence is off). */
  stop(): Promise<void>
}

/** Start redis-server on a free port with persistence off; resolves once it accepts connections. */
export async function startRedisServer(): Promise<TestRedis> {
  const directory = await mkdtemp(join(tmpdir(), 'numarkdown-redis-'))
  let lastError: unknown
  // A free port found now may be taken before redis-server binds it: try again with another.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort()
    try {
      const child = await launch(port, directory)
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((resolve) => child.once('exit', resolve))
            child.kill('SIGTERM')
            await exited
          }
          await rm(directory, { recursive: true, force: true })
        },
      }
    } catch (error) {
      lastError = error
    }
  }
  await rm(directory, { recursive: true, force: true })
  throw new Error(`redis-server did not start: ${(lastError as Error)?.message}`, { cause: lastError })
}

function launch(port: number, directory: string): Promise<ChildProcess> {
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        child.stderr?.resume()
        child.off('exit', onExit)
        resolve(child)
      }
    }
    const onExit = (code: number | null): void =>
      reject(new Error(`exited with ${code}: ${output.slice(-500)}`))
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
    child.once('error', reject)
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}
