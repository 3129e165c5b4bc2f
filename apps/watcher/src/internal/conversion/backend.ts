import { randomBytes } from 'node:crypto'
import { NuMarkdownClient } from '@numarkdown/core'
import type { ResolvedOptions } from '../../options.js'
import type { Display } from '../../types.js'

/** Where documents are converted. */
export interface Backend {
  client: NuMarkdownClient
  /** `remote` (the API or a server at --base-url) or `local` (a server started in this process). */
  kind: 'remote' | 'local'
  /** The secret to keep out of every log line. */
  token: string | undefined
  close(): Promise<void>
}

// Waiting is resumable and the watcher retries on its own, so one wait may take long (a big local OCR job).
const waitDeadlineMs = 30 * 60_000

/**
 * The NuMind API when a token or a base URL is given; otherwise `@numarkdown/server` started in this
 * process on 127.0.0.1 with a random token and its local engine, converting offline.
 */
export async function openBackend(options: ResolvedOptions, display: Display): Promise<Backend> {
  if (options.apiKey || options.baseUrl) {
    const client = new NuMarkdownClient({
      apiKey: options.apiKey,
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      concurrency: options.concurrency,
      timeoutMs: waitDeadlineMs,
    })
    display.log('info', 'converting with the NuMarkdown API', { baseUrl: client.baseUrl })
    return { client, kind: 'remote', token: options.apiKey, close: () => client.close() }
  }
  // Loaded only here: the server and its engine are not needed when converting with the API.
  const server = await import('@numarkdown/server')
  const token = randomBytes(24).toString('base64url')
  display.addSecret(token)
  const engine = server.localEngine()
  const running = await server.startServer({
    engine,
    tokens: [token],
    host: '127.0.0.1',
    port: 0,
    concurrency: options.concurrency,
  })
  display.log('info', 'no NUMIND_API_KEY: converting offline with a local @numarkdown/server', {
    url: running.url,
    engine: engine.name,
  })
  const client = new NuMarkdownClient({
    apiKey: token,
    baseUrl: running.url,
    concurrency: options.concurrency,
    timeoutMs: waitDeadlineMs,
  })
  return {
    client,
    kind: 'local',
    token,
    close: async () => {
      await client.close()
      await running.close()
    },
  }
}
