import { startTestServer, type TestServer } from '@numarkdown/testing'
import { afterEach } from 'vitest'
import { NuMarkdownClient } from './client.js'
import type { ClientOptions, ProgressEvent } from './types.js'

const cleanups: Array<() => Promise<unknown>> = []

/** Runs after the current test, in reverse order of registration. */
export function onCleanup(cleanup: () => Promise<unknown>): void {
  cleanups.push(cleanup)
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A scripted server and a client for it, both closed after the test; retry delays kept short. */
export async function setup(
  serverOptions: Parameters<typeof startTestServer>[0] = {},
  clientOptions: ClientOptions = {},
): Promise<{ server: TestServer; client: NuMarkdownClient; events: ProgressEvent[] }> {
  const server = await startTestServer(serverOptions)
  onCleanup(() => server.close())
  const client = new NuMarkdownClient({
    apiKey: server.token,
    baseUrl: server.url,
    retryDelay: { baseMs: 5, maxMs: 50 },
    pollInterval: { initialMs: 10, maxMs: 50 },
    ...clientOptions,
  })
  onCleanup(() => client.close())
  const events: ProgressEvent[] = []
  client.on((event) => events.push(event))
  return { server, client, events }
}

/** Resolves with the job ID of the first `submitted` event of the client. */
export function nextSubmitted(client: NuMarkdownClient): Promise<string> {
  return new Promise((resolve) => {
    const unsubscribe = client.on((event) => {
      if (event.type === 'submitted') {
        unsubscribe()
        resolve(event.jobId)
      }
    })
  })
}

/** Job IDs created by submits, as the server's request log shows them. */
export function createdJobs(server: TestServer): string[] {
  return server.server.requests
    .filter((entry) => entry.route === 'submit' && entry.jobId)
    .map((entry) => entry.jobId!)
}

/** Resolves once `condition()` holds, checking every few milliseconds (the test's own timeout bounds it). */
export function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (condition() ? resolve() : setTimeout(check, 5))
    check()
  })
}
