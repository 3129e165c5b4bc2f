/**
 * What a route answers, as a value: a JSON or text body with its status, a stream of events, or a hang-up. Routes
 * return answers instead of writing them, so that a layer around the routes (the fault plan of tests) can look at
 * an answer and replace it without the routes knowing; one place writes them.
 */
import type { ServerResponse } from 'node:http'

export type Headers = Record<string, string>

/** A JSON body. */
export interface JsonAnswer {
  kind: 'json'
  status: number
  body: unknown
  headers?: Headers
}

/** A plain-text body, the way the API answers most validation errors. */
export interface TextAnswer {
  kind: 'text'
  status: number
  text: string
  headers?: Headers
}

/** Where the events of an SSE answer go: the stream opened for it. */
export interface EventSink {
  send(event: string, data: string): void
  /** Send one last event and end the stream cleanly, in one write. */
  sendLast(event: string, data: string): void
  /** End the stream cleanly. */
  end(): void
  /** Cut the connection once `events` events in all (pings included) were sent; at once when that many were. */
  dropAfter(events: number): void
}

/** An SSE stream: `follow` writes the events of the stream opened for it and returns what stops it. */
export interface EventsAnswer {
  kind: 'events'
  follow(events: EventSink): () => void
}

/** No answer: the connection is closed (a client gone mid-upload). */
export interface HangUp {
  kind: 'hangUp'
}

export type Answer = JsonAnswer | TextAnswer | EventsAnswer | HangUp

export const hangUp: HangUp = { kind: 'hangUp' }

export function json(status: number, body: unknown): JsonAnswer {
  return { kind: 'json', status, body }
}

export function text(status: number, body: string): TextAnswer {
  return { kind: 'text', status, text: body }
}

/** An API error body `{code, message}`. */
export function apiError(status: number, code: string, message: string): JsonAnswer {
  return json(status, { code, message })
}

/** Write an answer that is not a stream; a no-op when the connection is already gone. */
export function sendAnswer(response: ServerResponse, answer: Exclude<Answer, EventsAnswer>): void {
  if (answer.kind === 'hangUp') {
    response.destroy()
    return
  }
  if (response.headersSent || response.destroyed) return
  const [contentType, body] =
    answer.kind === 'json'
      ? ['application/json', JSON.stringify(answer.body)]
      : ['text/plain; charset=utf-8', answer.text]
  response.writeHead(answer.status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    ...answer.headers,
  })
  response.end(body)
}
