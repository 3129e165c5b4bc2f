/**
 * The usual start of an HTTP test: a fresh scripted server on 127.0.0.1 and a client of it with short retry
 * and poll delays, both closed when the test finishes. The client class is passed in so that the tests of
 * @numarkdown/core use the client built from the source under test (and this package needs no dependency on
 * core, which depends on it for its tests).
 */
import type { ServerOptions } from '@numarkdown/server'
import { onTestFinished } from 'vitest'
import { startTestServer, type TestServer } from './server.ts'

/** What {@link setup} needs of a client: a way to close it and to listen to its progress events. */
export interface TestClient {
  close(): Promise<unknown>
  on(listener: (event: { type: string }) => void): () => void
}

/** Options of the client constructor `Client`. */
export type TestClientOptions<Client extends new (options: never) => TestClient> = NonNullable<
  ConstructorParameters<Client>[0]
>

/** The progress events a client emits. */
type EventOf<Client> = Client extends { on(listener: (event: infer Event) => void): unknown } ? Event : never

/** The server, the client and what the client reported, for one test. */
export interface Setup<Client, Options> {
  server: TestServer
  client: Client
  /** The options the client was created with, to create another client or a stream of the same server. */
  clientOptions: Options
  /** Every progress event the client emitted, in order. */
  events: EventOf<Client>[]
}

/**
 * Starts a scripted server (see {@link startTestServer}; `serverOptions` override its defaults) and a `Client`
 * for it; `clientOptions` override the test defaults (short retry and poll delays). Call it inside a test: both
 * are closed when the test finishes, the server first so that a client still waiting after a failed test is
 * released.
 */
export async function setup<Client extends new (options: never) => TestClient>(
  Client: Client,
  serverOptions: Partial<ServerOptions> = {},
  clientOptions: Partial<TestClientOptions<Client>> = {},
): Promise<Setup<InstanceType<Client>, TestClientOptions<Client>>> {
  const server = await startTestServer(serverOptions)
  const options = {
    apiKey: server.token,
    baseUrl: server.url,
    retryDelay: { baseMs: 5, maxMs: 50 },
    pollInterval: { initialMs: 10, maxMs: 50 },
    ...clientOptions,
  } as unknown as TestClientOptions<Client>
  const closeClient: Array<() => Promise<unknown>> = []
  onTestFinished(async () => {
    await server.close()
    for (const close of closeClient) await close()
  })
  const client = new Client(options as never) as InstanceType<Client>
  closeClient.push(() => client.close())
  const events: EventOf<InstanceType<Client>>[] = []
  client.on((event: { type: string }) => events.push(event as EventOf<InstanceType<Client>>))
  return { server, client, clientOptions: options, events }
}

/** Resolves with the job ID of the next `submitted` event of `client`. */
export function nextSubmitted(client: TestClient): Promise<string> {
  return new Promise((resolve) => {
    const unsubscribe = client.on((event: { type: string; jobId?: string }) => {
      if (event.type === 'submitted' && event.jobId !== undefined) {
        unsubscribe()
        resolve(event.jobId)
      }
    })
  })
}
