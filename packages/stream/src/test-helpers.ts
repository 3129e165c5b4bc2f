import { readdir } from 'node:fs/promises'
import { type ClientOptions, NuMarkdownClient } from '@numarkdown/core'
import { type ScriptedEngineOptions, type ServerOptions, scriptedEngine } from '@numarkdown/server'
import { setup, type TestServer, tempDir } from '@numarkdown/testing'
import { afterEach, expect } from 'vitest'

/** A test server with a scripted engine, a client of it, and an empty spool folder (see `setup()`). */
export interface Harness {
  server: TestServer
  engine: ReturnType<typeof scriptedEngine>
  client: NuMarkdownClient
  clientOptions: ClientOptions
  spoolDirectory: string
  /** The names left in the spool folder. */
  spoolFiles(): Promise<string[]>
  /** The server's status of a job (`pending`, `running`, `completed`, `cancelled`...). */
  jobStatus(jobId: string): Promise<string>
  /** Every job of the test owner, newest first. */
  jobs(): Promise<Array<{ id: string; status: string; inputData: string }>>
  /** Submits received by the server (any status). */
  submits(): number
  close(): Promise<void>
}

export async function startHarness(
  engineOptions: ScriptedEngineOptions = {},
  serverOptions: Partial<ServerOptions> = {},
): Promise<Harness> {
  const engine = scriptedEngine(engineOptions)
  const { server, client, clientOptions } = await setup(
    NuMarkdownClient,
    { engine, concurrency: 16, ...serverOptions },
    { concurrency: 16, retryDelay: { baseMs: 5, maxMs: 20 } },
  )
  const spool = await tempDir('numarkdown-stream-spool-')
  return {
    server,
    engine,
    client,
    clientOptions,
    spoolDirectory: spool.path,
    spoolFiles: () => readdir(spool.path),
    jobStatus: async (jobId) => (await client.getJob(jobId)).status,
    async jobs() {
      const jobs = []
      for await (const job of client.listJobs({ perPage: 100 })) jobs.push(job)
      return jobs
    },
    submits: () => server.server.requests.filter((entry) => entry.route === 'submit').length,
    // The server and the client are closed by `setup()` when the test finishes.
    close: () => spool.remove(),
  }
}

/**
 * Collects every `unhandledRejection` and `uncaughtException` while a test runs; vitest would report them
 * too late to name the test, and a crash under `pipeTo` is exactly what these tests must rule out.
 */
export function watchProcess(): { problems: unknown[]; stop(): void } {
  const problems: unknown[] = []
  const onProblem = (error: unknown) => problems.push(error)
  process.on('unhandledRejection', onProblem)
  process.on('uncaughtException', onProblem)
  return {
    problems,
    stop() {
      process.off('unhandledRejection', onProblem)
      process.off('uncaughtException', onProblem)
    },
  }
}

/** Lets pending I/O and timers run for a while, for "nothing more happens" checks that count, not time. */
export function settle(ms = 150): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Resolves once `stream` has emitted `close`. `stream.pipeline` settles as soon as one stream fails, without
 * waiting for the others' asynchronous destroy; a stream's temp file is gone by its `close`.
 */
export function closed(stream: {
  closed: boolean
  once(event: 'close', listener: () => void): unknown
}): Promise<void> {
  if (stream.closed) return Promise.resolve()
  return new Promise((resolve) => stream.once('close', () => resolve()))
}

/**
 * Gives each test of the file a harness through `setup()`; after each test, closes it and checks that the
 * process saw no unhandled rejection or uncaught exception while it ran.
 */
export function useHarness(): {
  setup: (...args: Parameters<typeof startHarness>) => Promise<Harness>
  readonly current: Harness
} {
  let harness: Harness | undefined
  let watch: ReturnType<typeof watchProcess> | undefined
  afterEach(async () => {
    watch?.stop()
    await harness?.close()
    harness = undefined
    const problems = watch?.problems
    watch = undefined
    if (problems !== undefined) expect(problems).toEqual([])
  })
  return {
    async setup(...args) {
      watch = watchProcess()
      harness = await startHarness(...args)
      return harness
    },
    get current() {
      if (harness === undefined) throw new Error('no harness: call setup() first')
      return harness
    },
  }
}
