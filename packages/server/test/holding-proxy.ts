/**
 * A TCP proxy in front of Redis that holds back what Redis sends on a connection from the first answer that
 * matches, until the test releases it: a worker's command then ran in Redis while the worker does not know yet,
 * which opens, for as long as a test needs, a window that is otherwise a round trip wide.
 */
import { once } from 'node:events'
import { createConnection, createServer, type Socket } from 'node:net'

/** The answer of the start of a job (the attempt's script returns `{'run'}`), in RESP. */
export const startAnswer: Buffer = Buffer.from('*1\r\n$3\r\nrun\r\n')

export interface HoldingProxy {
  /** The Redis URL to give the node under test. */
  url: string
  /** Resolves once an answer matching the pattern came and is held. */
  holding: Promise<void>
  /** Sends what was held and lets everything through from then on. */
  release(): void
  close(): Promise<void>
}

export async function startHoldingProxy(redisUrl: string, pattern: Buffer): Promise<HoldingProxy> {
  const target = new URL(redisUrl)
  const sockets = new Set<Socket>()
  let held: { socket: Socket; chunks: Buffer[] } | undefined
  let released = false
  let markHolding: () => void = () => {}
  const holding = new Promise<void>((resolve) => {
    markHolding = resolve
  })
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) })
    sockets.add(client)
    sockets.add(upstream)
    client.pipe(upstream)
    upstream.on('data', (chunk: Buffer) => {
      if (held?.socket === client && !released) {
        held.chunks.push(chunk)
        return
      }
      if (!held && chunk.includes(pattern)) {
        held = { socket: client, chunks: [chunk] }
        markHolding()
        return
      }
      client.write(chunk)
    })
    const closeBoth = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', closeBoth)
    upstream.on('error', closeBoth)
    client.on('close', closeBoth)
    upstream.on('close', closeBoth)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `redis://127.0.0.1:${port}`,
    holding,
    release() {
      released = true
      if (held) for (const chunk of held.chunks.splice(0)) held.socket.write(chunk)
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}
