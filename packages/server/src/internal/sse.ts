/**
 * An open Server-Sent Events response of `GET /api/jobs/{id}/stream`: events, pings that keep proxies and idle
 * timeouts from closing a quiet stream, a clean end, and an abrupt drop (as a failing proxy would cut it).
 */
import type { ServerResponse } from 'node:http'
import type { EventSink } from './answer.js'

/** Format one Server-Sent Event: one `data:` line per line of `data`. */
export function formatEvent(event: string, data: string): string {
  // A job is JSON on one line: two scans instead of a regex split, a map and a join over the whole result (2 ms
  // per MiB of markdown, between the engine finishing and the event leaving).
  if (!data.includes('\n') && !data.includes('\r')) {
    return data === '' ? `event: ${event}\ndata:\n\n` : `event: ${event}\ndata: ${data}\n\n`
  }
  const lines = data.split(/\r\n|\r|\n/).map((line) => (line === '' ? 'data:' : `data: ${line}`))
  return `event: ${event}\n${lines.join('\n')}\n\n`
}

export interface SseStreamOptions {
  pingIntervalMs: number
}

/** One open SSE response: writes events, pings on an interval, and ends or drops the connection. */
export class SseStream implements EventSink {
  readonly #response: ServerResponse
  #dropAfterEvents: number | undefined
  readonly #ping: NodeJS.Timeout
  #events = 0
  #closed = false
  #headersOut = false
  /** Events of this tick not written yet: an event and the end that follows it leave in one write. */
  #pending = ''
  #flushScheduled = false
  readonly #onClose = new Set<() => void>()

  constructor(response: ServerResponse, options: SseStreamOptions) {
    this.#response = response
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    // Headers go out with the first event when it comes at once (a finished job: headers, its result and the end
    // of the body in one write), or by `flush()` just after the stream was set up.
    // A stream is quiet between pings by design: the server's idle timeout is not for it.
    response.socket?.setTimeout(0)
    this.#ping = setInterval(() => this.send('ping', ''), options.pingIntervalMs)
    response.on('close', () => this.#cleanup())
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Run `listener` when the connection ends, whoever ends it. */
  onClose(listener: () => void): void {
    if (this.#closed) listener()
    else this.#onClose.add(listener)
  }

  /** Send the headers now if no event has carried them yet: the client sees the stream open while it waits. */
  flush(): void {
    if (this.#closed || this.#headersOut) return
    this.#headersOut = true
    this.#response.flushHeaders()
  }

  send(event: string, data: string): void {
    if (this.#closed) return
    // The events of one tick and the end that often follows them go out in one call: a write then an end cost
    // twice the work of Node's HTTP layer.
    this.#queue(event, data)
    if (this.#closed) return
    if (!this.#flushScheduled) {
      this.#flushScheduled = true
      process.nextTick(() => this.#flush())
    }
  }

  /** Send one last event and end the stream (a job's result): one write, no tick to wait for. */
  sendLast(event: string, data: string): void {
    if (this.#closed) return
    this.#queue(event, data)
    this.end()
  }

  /** Add an event to what goes out next; cut the connection here when it is the last one a drop lets through. */
  #queue(event: string, data: string): void {
    // (`headersSent` is true from `writeHead()` on, before anything left: the stream keeps its own account.)
    this.#headersOut = true
    this.#pending += formatEvent(event, data)
    this.#events += 1
    if (this.#dropAfterEvents !== undefined && this.#events >= this.#dropAfterEvents) this.drop()
  }

  /** End the stream cleanly, with the events not written yet. */
  end(): void {
    if (this.#closed) return
    // The last bytes leave first: the ping timer and the listeners of the end are for after.
    this.#response.end(this.#takePending())
    this.#cleanup()
  }

  /** Cut the connection once `events` events in all (pings included) were sent; at once when that many were. */
  dropAfter(events: number): void {
    this.#dropAfterEvents = events
    if (this.#events >= events) this.drop()
  }

  /** Cut the connection without ending the chunked body, as a failing proxy would. */
  drop(): void {
    if (this.#closed) return
    this.#cleanup()
    // The client sees the stream open, then cut (the headers wait for the first event otherwise).
    if (!this.#headersOut) {
      this.#headersOut = true
      this.#response.flushHeaders()
    }
    // Let what was sent reach the client before the socket goes.
    const pending = this.#takePending()
    if (pending !== '') this.#response.write(pending)
    const socket = this.#response.socket
    if (socket) socket.end(() => socket.destroy())
    else this.#response.destroy()
  }

  #flush(): void {
    this.#flushScheduled = false
    if (this.#closed) return
    const pending = this.#takePending()
    if (pending !== '') this.#response.write(pending)
  }

  #takePending(): string {
    const pending = this.#pending
    this.#pending = ''
    return pending
  }

  #cleanup(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#ping)
    for (const listener of this.#onClose) listener()
    this.#onClose.clear()
  }
}
