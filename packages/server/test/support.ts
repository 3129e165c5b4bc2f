import { readdir } from 'node:fs/promises'
import { FormData, request } from 'undici'
import type { RunningServer } from '../src/index.js'

export const token = 'token-alice'
export const tokens = [
  { token: 'token-alice', owner: 'alice', organization: 'acme' },
  { token: 'token-bob', owner: 'bob' },
]

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json<T = Record<string, unknown>>(): T
}

async function toReply(response: Awaited<ReturnType<typeof request>>): Promise<Reply> {
  const text = await response.body.text()
  return {
    status: response.statusCode,
    headers: response.headers,
    text,
    json: <T>() => JSON.parse(text) as T,
  }
}

/** A minimal HTTP client for the API, built on undici's `request`. */
export function client(server: RunningServer, bearer: string | null = token) {
  const headers: Record<string, string> = bearer === null ? {} : { authorization: `Bearer ${bearer}` }
  return {
    async submit(
      content: string | Uint8Array = '# Title\n\nSome text.',
      options: { filename?: string; contentType?: string; query?: string; field?: string } = {},
    ): Promise<Reply> {
      const form = new FormData()
      const blob = new Blob([typeof content === 'string' ? content : new Uint8Array(content)], {
        type: options.contentType ?? 'text/markdown',
      })
      form.append(options.field ?? 'file', blob, options.filename ?? 'doc.md')
      const response = await request(`${server.url}/api/markdown/infer-async${options.query ?? ''}`, {
        method: 'POST',
        headers,
        body: form,
      })
      return toReply(response)
    },
    async get(path: string): Promise<Reply> {
      return toReply(await request(`${server.url}${path}`, { headers }))
    },
    async post(path: string, body?: string, extraHeaders: Record<string, string> = {}): Promise<Reply> {
      return toReply(
        await request(`${server.url}${path}`, {
          method: 'POST',
          headers: { ...headers, ...extraHeaders },
          ...(body === undefined ? {} : { body }),
        }),
      )
    },
    async send(method: 'PUT' | 'DELETE' | 'PATCH' | 'GET' | 'POST', path: string): Promise<Reply> {
      return toReply(await request(`${server.url}${path}`, { method, headers }))
    },
    /** Submit and return the job ID, failing loudly on anything but 200. */
    async submitJob(
      content?: string | Uint8Array,
      options?: { filename?: string; contentType?: string; query?: string },
    ): Promise<string> {
      const reply = await this.submit(content, options)
      if (reply.status !== 200) throw new Error(`submit answered ${reply.status}: ${reply.text}`)
      return reply.json<{ jobId: string }>().jobId
    },
    /** Wait for a job to finish by reading its SSE stream. */
    async stream(jobId: string): Promise<{ status: number; events: SseEvent[]; raw: string }> {
      const response = await request(`${server.url}/api/jobs/${jobId}/stream`, {
        headers: { ...headers, accept: 'text/event-stream' },
      })
      let raw = ''
      try {
        for await (const chunk of response.body) raw += Buffer.from(chunk).toString('utf8')
      } catch {
        // A dropped stream ends in an error; what arrived before is what the test looks at.
      }
      return { status: response.statusCode, events: parseEvents(raw), raw }
    },
  }
}

export interface SseEvent {
  event: string
  data: string
}

/** Parse complete SSE events (a trailing incomplete event is left out). */
export function parseEvents(raw: string): SseEvent[] {
  const blocks = raw.split('\n\n')
  blocks.pop()
  return blocks
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event = 'message'
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim()
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
      }
      return { event, data: data.join('\n') }
    })
}

export async function listDirectory(path: string): Promise<string[]> {
  return readdir(path)
}
