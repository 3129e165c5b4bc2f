/**
 * The floor of a NuMarkdown server: a bare `node:http` handler that answers the routes a client uses for one job
 * (the multipart `infer-async` POST, `GET /api/jobs/{id}`, its SSE stream) from memory, with an instant engine
 * that echoes the text back. It checks the token, reads the whole body, finds the file part, hashes it and keeps
 * the job in a Map: what no server can skip. `@numarkdown/server` is measured against it in the same run.
 */
import { createHash, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A running floor server. */
export interface FloorServer {
  url: string
  close(): Promise<void>
}

interface FloorJob {
  id: string
  json: string
}

const headerEnd = Buffer.from('\r\n\r\n')

/** The bytes and filename of the `file` part of a multipart body, or undefined when there is none. */
function filePart(body: Buffer, contentType: string): { bytes: Buffer; filename: string } | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  const delimiter = boundary?.[1] ?? boundary?.[2]
  if (!delimiter) return undefined
  const separator = Buffer.from(`\r\n--${delimiter}`)
  let start = body.indexOf(`--${delimiter}`)
  while (start >= 0) {
    const headersEnd = body.indexOf(headerEnd, start)
    if (headersEnd < 0) return undefined
    const headers = body.toString('latin1', start, headersEnd)
    const contentStart = headersEnd + headerEnd.length
    const contentEnd = body.indexOf(separator, contentStart)
    if (contentEnd < 0) return undefined
    if (/name="file"/.test(headers)) {
      const filename = /filename="([^"]*)"/.exec(headers)?.[1] ?? 'document'
      return { bytes: body.subarray(contentStart, contentEnd), filename }
    }
    start = contentEnd + 2
  }
  return undefined
}

function sendJson(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  })
  response.end(body)
}

/** Starts the floor on 127.0.0.1 (a free port), accepting `token`. */
export async function startFloorServer(token: string): Promise<FloorServer> {
  const jobs = new Map<string, FloorJob>()
  const authorization = `Bearer ${token}`

  const submit = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const part = filePart(Buffer.concat(chunks), request.headers['content-type'] ?? '')
    if (!part) {
      response.writeHead(400).end('Invalid value for: body')
      return
    }
    const now = new Date().toISOString()
    const id = randomUUID()
    const text = part.bytes.toString('utf8')
    const job = {
      id,
      jobType: 'markdown',
      status: 'completed',
      ownerUser: 'floor',
      inputData: JSON.stringify({
        filename: part.filename,
        contentType: 'text/markdown',
        size: part.bytes.length,
        sha256: createHash('sha256').update(part.bytes).digest('hex'),
      }),
      outputData: JSON.stringify({ result: text, reasoning: 'Echoed.' }),
      startedAt: now,
      createdAt: now,
      updatedAt: now,
      completedAt: now,
    }
    jobs.set(id, { id, json: JSON.stringify(job) })
    sendJson(response, 200, JSON.stringify({ jobId: id }))
  }

  const server = createServer((request, response) => {
    if (request.headers.authorization !== authorization) {
      sendJson(response, 401, '{"code":"Unauthorized","message":"Invalid token"}')
      return
    }
    const path = (request.url ?? '/').split('?')[0]!
    if (request.method === 'POST' && path === '/api/markdown/infer-async') {
      submit(request, response).catch(() => response.destroy())
      return
    }
    const match = /^\/api\/jobs\/([^/]+)(\/stream)?$/.exec(path)
    const job = match ? jobs.get(match[1]!) : undefined
    if (request.method !== 'GET' || !job) {
      sendJson(response, 404, '{"code":"NotFound","message":"No such job"}')
      return
    }
    if (!match![2]) {
      sendJson(response, 200, job.json)
      return
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    response.end(`event: result\ndata: ${job.json}\n\n`)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}
