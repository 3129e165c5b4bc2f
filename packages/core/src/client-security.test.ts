import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { setup } from '@numarkdown/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { NuMarkdownClient } from './client.js'
import { AuthenticationError, ConnectionError, NuMarkdownError, ValidationError } from './errors.js'
import type { Logger, ProgressEvent } from './types.js'

const token = 'nm-live-0123456789abcdef-secret'

/** A hostile server that echoes the bearer token back in every way it can. */
async function echoServer(
  handler: (request: IncomingMessage, response: ServerResponse, echo: string) => void,
) {
  const server = createServer((request, response) => {
    request.resume()
    request.on('end', () => handler(request, response, String(request.headers.authorization)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = []
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${inspect(fields, { depth: 10 })}`)
  }
  return {
    logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
    lines,
  }
}

function expectNoToken(error: unknown, lines: string[], events: ProgressEvent[]) {
  expect(NuMarkdownError.isInstance(error)).toBe(true)
  expect((error as Error).message).not.toContain(token)
  expect(inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(token)
  expect(JSON.stringify(error)).not.toContain(token)
  expect(lines.join('\n')).not.toContain(token)
  expect(inspect(events, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(token)
  expect(lines.length).toBeGreaterThan(0)
}

describe('the token never leaks', () => {
  it('from a 401 whose body and headers echo the Authorization header', async () => {
    const url = await echoServer((_request, response, echo) => {
      response.writeHead(401, {
        'content-type': 'application/json',
        'x-echo': echo,
        'www-authenticate': echo,
      })
      response.end(JSON.stringify({ code: `Bad ${echo}`, message: `Invalid credentials: ${echo}` }))
    })
    const { logger, lines } = recordingLogger()
    const client = new NuMarkdownClient({ apiKey: token, baseUrl: url, logger })
    onTestFinished(() => client.close())
    const events: ProgressEvent[] = []
    client.on((event) => events.push(event))
    const error = await client.convert(Buffer.from('x')).catch((caught) => caught)
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(error.message).toContain('[redacted]')
    expectNoToken(error, lines, events)
  })

  it('from retried 5xx, 429 and non-JSON answers that echo it', async () => {
    let count = 0
    const url = await echoServer((_request, response, echo) => {
      count += 1
      if (count % 3 === 1) {
        response.writeHead(503, { 'retry-after': '0', 'x-echo': echo })
        response.end(`overloaded ${echo}`)
      } else if (count % 3 === 2) {
        response.writeHead(429, { 'retry-after': '0' })
        response.end(`slow down ${echo}`)
      } else {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(`{"id": "${echo}`)
      }
    })
    const { logger, lines } = recordingLogger()
    const client = new NuMarkdownClient({
      apiKey: token,
      baseUrl: url,
      logger,
      maxRetries: 3,
      retryDelay: { baseMs: 1, maxMs: 5 },
    })
    onTestFinished(() => client.close())
    const events: ProgressEvent[] = []
    client.on((event) => events.push(event))
    const error = await client.getJob('job').catch((caught) => caught)
    expect(events.filter((event) => event.type === 'retry')).toHaveLength(3)
    expectNoToken(error, lines, events)
  })

  it('with a wrong token against the real server, and in the client itself', async () => {
    const { server } = await setup(NuMarkdownClient)
    const { logger, lines } = recordingLogger()
    const client = new NuMarkdownClient({ apiKey: token, baseUrl: server.url, logger })
    onTestFinished(() => client.close())
    const error = await client.convert(Buffer.from('x')).catch((caught) => caught)
    expect(error).toBeInstanceOf(AuthenticationError)
    expectNoToken(error, lines, [])
    expect(inspect(client, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(token)
    expect(JSON.stringify(client)).not.toContain(token)
  })
})

describe('redaction never garbles other text', () => {
  it('refuses a token so short that scrubbing it would erase ordinary text', async () => {
    const { server } = await setup(NuMarkdownClient)
    for (const apiKey of ['t', 'connect', 'token-a']) {
      expect(() => new NuMarkdownClient({ apiKey, baseUrl: server.url })).toThrow(ValidationError)
      expect(() => new NuMarkdownClient({ apiKey, baseUrl: server.url })).toThrow(
        `The apiKey option is too short (${apiKey.length} characters) to be kept out of logs safely`,
      )
    }
    expect(server.server.requests).toHaveLength(0)
  })

  it('keeps `connect ECONNREFUSED` intact in errors and logs with the shortest token allowed', async () => {
    const { server } = await setup(NuMarkdownClient)
    const url = server.url
    await server.close()
    const { logger, lines } = recordingLogger()
    // Sixteen characters, made of the letters of the message it must leave alone.
    const shortToken = 'connectECONNREFU'
    const client = new NuMarkdownClient({ apiKey: shortToken, baseUrl: url, logger, maxRetries: 0 })
    onTestFinished(() => client.close())
    const error = await client.getJob('job-1').catch((caught) => caught)
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error.message).toContain('connect ECONNREFUSED 127.0.0.1')
    expect(error.message).not.toContain('[redacted]')
    expect(lines.join('\n')).not.toContain('[redacted]')
  })
})
