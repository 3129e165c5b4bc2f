/**
 * An answer given before a request's body is read (401, 413, a fault) closes the connection, so that a refused
 * client does not go on sending. Closed at once, a socket with unread bytes is reset, and a client still writing
 * its body gets `EPIPE`/`ECONNRESET` instead of the answer it was sent: it then cannot tell a refused upload from a
 * lost one. Like the lingering close of nginx and Apache, the server sends its answer and a FIN, then reads and
 * drops what the client still sends for a bounded time and number of bytes, and only then closes.
 */
import type { Socket } from 'node:net'

/** The most bytes read and dropped after the answer, and for how long. */
export interface LingerLimits {
  maxBytes: number
  maxMs: number
}

export const defaultLingerLimits: LingerLimits = { maxBytes: 1024 * 1024, maxMs: 2_000 }

const lingering = new WeakSet<Socket>()

/**
 * Makes the next close of `socket` by the HTTP server (Node calls `destroySoon()` once an answer with
 * `connection: close` is written) a lingering one. Safe to call more than once for a socket.
 */
export function lingerOnClose(socket: Socket, limits: LingerLimits = defaultLingerLimits): void {
  if (lingering.has(socket)) return
  lingering.add(socket)
  socket.destroySoon = function lingeringClose(this: Socket): void {
    if (this.destroyed) return
    // The answer is flushed before the FIN; the read side stays open.
    this.end()
    let dropped = 0
    const timer = setTimeout(() => this.destroy(), limits.maxMs)
    timer.unref()
    this.on('data', (chunk: Buffer) => {
      dropped += chunk.length
      if (dropped > limits.maxBytes) this.destroy()
    })
    this.once('end', () => this.destroy())
    this.once('close', () => clearTimeout(timer))
    this.resume()
  }
}
