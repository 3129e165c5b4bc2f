import { type RunningServer, type ServerOptions, scriptedEngine, startServer } from '@numarkdown/server'

/** The bearer token every test server accepts (owner `test-user`). */
export const testToken = 'numarkdown-test-token'

/** A disposable server for a test. */
export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:43117`. */
  url: string
  /** The accepted bearer token ({@link testToken}). */
  token: string
  /** The running server: its `requests` log, `port`, and the underlying Node server. */
  server: RunningServer
  /** Stop the server (ends streams, aborts jobs, removes spooled files). */
  close(): Promise<void>
}

/**
 * Start @numarkdown/server on 127.0.0.1, a free port, with the scripted engine and {@link testToken};
 * anything in `options` overrides those defaults (pass `engine: scriptedEngine({...})` to script outcomes).
 * Close it in `afterEach`/`afterAll`.
 */
export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const server = await startServer({
    engine: scriptedEngine(),
    ...options,
    tokens: options.tokens ?? [{ token: testToken, owner: 'test-user' }],
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
  })
  return { url: server.url, token: testToken, server, close: () => server.close() }
}

/** Job IDs created by submits, in order, as the server's request log shows them. */
export function createdJobs(server: TestServer): string[] {
  return server.server.requests
    .filter((entry) => entry.route === 'submit' && entry.jobId !== undefined)
    .map((entry) => entry.jobId!)
}
