/**
 * A minimum transfer rate for request bodies, instead of one fixed total: a client that trickles a body (a few
 * bytes now and then) would hold a connection and a spool file forever, while a real upload of 1 GiB on a slow
 * link needs hours and must still pass. Every window, the bytes the socket received in it must reach the rate.
 */
import type { Socket } from 'node:net'

export interface TransferRate {
  minBytesPerSecond: number
  windowMs: number
}

/**
 * Calls `onTooSlow` (once) when fewer than `minBytesPerSecond` bytes per second arrived on `socket` over a
 * window. Returns the function that stops watching.
 */
export function watchTransferRate(socket: Socket, rate: TransferRate, onTooSlow: () => void): () => void {
  let lastBytes = socket.bytesRead
  let lastTime = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    const elapsed = now - lastTime
    const bytes = socket.bytesRead - lastBytes
    lastBytes = socket.bytesRead
    lastTime = now
    // A timer far behind its time means this process was busy, not that the client was slow: measure again.
    if (elapsed > rate.windowMs * 1.5) return
    if (bytes < (rate.minBytesPerSecond * elapsed) / 1000) {
      clearInterval(timer)
      onTooSlow()
    }
  }, rate.windowMs)
  timer.unref()
  return () => clearInterval(timer)
}
