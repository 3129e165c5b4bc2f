/**
 * Where documents are converted: the NuMind API (or the server at `--base-url`) when `NUMIND_API_KEY` is set,
 * otherwise `@numarkdown/server` with its local engine, started in this process on 127.0.0.1, a free port and a
 * random token, the way numarkdown-watch does it. The server (and its engine's heavy dependencies) is loaded
 * only in that case.
 */
import { randomBytes } from 'node:crypto'
import { NuMarkdownClient } from '@numarkdown/core'

/** A client ready to convert, and how to let go of it. */
export interface Backend {
  client: NuMarkdownClient
  kind: 'remote' | 'local'
  /** The API's URL, for messages. */
  baseUrl: string
  /** Secrets to keep out of every message. */
  secrets: string[]
  close(): Promise<void>
}

export interface BackendSettings {
  apiKey: string | undefined
  /** `--base-url`, else `NUMARKDOWN_BASE_URL` when a key is set. */
  baseUrl: string | undefined
  concurrency: number
}

/** Opens the backend. Throws core's `ValidationError` for a bad base URL or a missing token. */
export async function openBackend(
  settings: BackendSettings,
  notice: (message: string) => void,
): Promise<Backend> {
  // The CLI waits as long as the job runs: the server's own `--timeout` and Ctrl-C end it, not a client deadline.
  const timeoutMs = 0
  if (settings.apiKey !== undefined || settings.baseUrl !== undefined) {
    const client = new NuMarkdownClient({
      ...(settings.apiKey === undefined ? {} : { apiKey: settings.apiKey }),
      ...(settings.baseUrl === undefined ? {} : { baseUrl: settings.baseUrl }),
      concurrency: settings.concurrency,
      timeoutMs,
    })
    return {
      client,
      kind: 'remote',
      baseUrl: client.baseUrl,
      secrets: settings.apiKey === undefined ? [] : [settings.apiKey],
      close: () => client.close(),
    }
  }
  const server = await import('@numarkdown/server')
  const token = randomBytes(24).toString('base64url')
  const running = await server.startServer({
    engine: server.localEngine(),
    tokens: [token],
    host: '127.0.0.1',
    port: 0,
    concurrency: settings.concurrency,
  })
  notice(
    'no NUMIND_API_KEY: converting offline with the local engine (set NUMIND_API_KEY for the NuMind API)',
  )
  const client = new NuMarkdownClient({
    apiKey: token,
    baseUrl: running.url,
    concurrency: settings.concurrency,
    timeoutMs,
  })
  return {
    client,
    kind: 'local',
    baseUrl: running.url,
    secrets: [token],
    close: async () => {
      await client.close()
      await running.close()
    },
  }
}
