/**
 * The loopback floor's server, alone in its own process: a bare `node:http` handler with two routes and nothing
 * else. `POST /post` reads the small body and answers a small JSON; `GET /events` holds an event stream open, and
 * `POST /fire` writes one event on it carrying the moment it was written (`process.hrtime`, the machine's
 * monotonic clock, the same in every process), so the reader can tell how long one event took one way.
 */
import { createServer, type ServerResponse } from 'node:http'

let events: ServerResponse | undefined

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/events') {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    response.flushHeaders()
    events = response
    return
  }
  request.resume()
  request.on('end', () => {
    if (request.url === '/fire') events?.write(`event: result\ndata: ${process.hrtime.bigint()}\n\n`)
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end('{"ok":true}')
  })
})

server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.send?.({
    type: 'ready',
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
  })
})
process.on('message', (message: { type: string }) => {
  if (message.type === 'close') {
    events?.end()
    server.closeAllConnections()
    server.close(() => process.exit(0))
  }
})
process.on('disconnect', () => process.exit(0))
