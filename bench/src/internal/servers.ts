import { type ChildProcess, fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import type { Engine, RequestLogEntry } from '@numarkdown/server'
import { benchEngine, type EngineOutputSize, type EngineTiming } from './engines.ts'
import { loadServer } from './packages.ts'

/** Settings of a benchmark server (plain JSON: they cross to a child process). */
export interface BenchServerOptions extends EngineTiming, EngineOutputSize {
  /** Jobs converting at once on the server. @default 64 */
  concurrency?: number
  /** @default 2 GiB, so that a 1 GiB upload plus its multipart framing fits */
  maxUploadBytes?: number
  /**
   * Time each engine call on the monotonic clock, for {@link BenchServer.engineTimes}: a timer-based engine runs
   * a little past its latency (libuv timers count whole milliseconds), and that is the engine's time, not the
   * transport's. @default false
   */
  recordEngineTimes?: boolean
}

/** A running @numarkdown/server with the scripted engine, in this process or a child. */
export interface BenchServer {
  url: string
  token: string
  /** The server's process ID (this process when the server runs here). */
  pid: number
  /** The server's request log so far. */
  requests(): Promise<RequestLogEntry[]>
  /** How long each engine call finished since the last ask took, in milliseconds (`recordEngineTimes`). */
  engineTimes(): Promise<number[]>
  close(): Promise<void>
}

export function serverOptionsWithDefaults(options: BenchServerOptions): Required<BenchServerOptions> {
  return {
    latencyMs: 0,
    perPageLatencyMs: 0,
    markdownBytesPerPage: 0,
    concurrency: 64,
    maxUploadBytes: 2 * 1024 ** 3,
    recordEngineTimes: false,
    ...options,
  }
}

/** Starts a server in this process: fine where the client's CPU is not what is measured. */
export async function startBenchServer(
  options: BenchServerOptions = {},
  token: string = randomUUID(),
): Promise<BenchServer> {
  const server = await loadServer()
  const settings = serverOptionsWithDefaults(options)
  const engineTimes: number[] = []
  const engine = benchEngine(server, settings)
  const running = await server.startServer({
    tokens: [token],
    engine: settings.recordEngineTimes ? timedEngine(engine, engineTimes) : engine,
    concurrency: settings.concurrency,
    maxUploadBytes: settings.maxUploadBytes,
  })
  return {
    url: running.url,
    token,
    pid: process.pid,
    requests: async () => [...running.requests],
    engineTimes: async () => engineTimes.splice(0),
    close: () => running.close(),
  }
}

/** `engine`, each call's duration pushed onto `times` once it returns. */
function timedEngine(engine: Engine, times: number[]): Engine {
  return {
    ...engine,
    async convert(document, params, signal) {
      const started = process.hrtime.bigint()
      try {
        return await engine.convert(document, params, signal)
      } finally {
        times.push(Number(process.hrtime.bigint() - started) / 1e6)
      }
    },
  }
}

const childPath = fileURLToPath(new URL('./server-child.ts', import.meta.url))

/** Messages between the parent and `server-child.ts`. */
export type ServerChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'requests'; requests: RequestLogEntry[] }
  | { type: 'engine-times'; times: number[] }
  | { type: 'error'; message: string }

/**
 * Starts a server in a child process, so that the server's CPU does not count against the client measured
 * in this process (the two then share the machine's cores like two programs do).
 */
export async function startServerProcess(options: BenchServerOptions = {}): Promise<BenchServer> {
  await loadServer() // skips the benchmark here, in the parent, when the server is not built
  const token = randomUUID()
  const child: ChildProcess = fork(childPath, [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, NUMIND_API_KEY: token },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const [first] = (await once(child, 'message')) as [ServerChildMessage]
  if (first.type !== 'ready') {
    child.kill()
    throw new Error(
      `the server process did not start: ${first.type === 'error' ? first.message : first.type}`,
    )
  }
  let closed = false
  return {
    url: first.url,
    token,
    pid: child.pid!,
    async requests() {
      child.send({ type: 'requests' })
      for (;;) {
        const [message] = (await once(child, 'message')) as [ServerChildMessage]
        if (message.type === 'requests') return message.requests
      }
    },
    async engineTimes() {
      child.send({ type: 'engine-times' })
      for (;;) {
        const [message] = (await once(child, 'message')) as [ServerChildMessage]
        if (message.type === 'engine-times') return message.times
      }
    },
    async close() {
      if (closed) return
      closed = true
      const exited = once(child, 'exit')
      child.send({ type: 'close' })
      await exited
    },
  }
}
