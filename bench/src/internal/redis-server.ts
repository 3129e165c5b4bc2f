/**
 * A throwaway `redis-server` for the cluster benchmark: a free port of 127.0.0.1, persistence off, stopped at the
 * end. The benchmark is skipped when redis-server is not installed.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { skip } from '../skip.ts'

const binary = process.env.REDIS_SERVER_BINARY ?? '/usr/bin/redis-server'

export interface BenchRedis {
  url: string
  /** The server's process ID, for its CPU time. */
  pid: number
  stop(): Promise<void>
}

export async function startBenchRedis(): Promise<BenchRedis> {
  if (!existsSync(binary)) skip(`${binary} is not installed (apt-get install -y redis-server)`)
  const directory = await mkdtemp(join(tmpdir(), 'numarkdown-bench-redis-'))
  const port = await freePort()
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  await ready(child)
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      await rm(directory, { recursive: true, force: true })
    },
  }
}

function ready(child: ChildProcess): Promise<void> {
  let output = ''
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        child.stderr?.resume()
        resolve()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output.slice(-300)}`)))
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
