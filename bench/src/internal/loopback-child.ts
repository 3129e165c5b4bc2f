/**
 * The loopback floor's server, alone in its own process: a bare `node:http` handler with two routes and nothing
 * else. `POST /post` reads the small body and answers a small JSON; `GET /events` holds an event stream open, and
 * `POST /fire` writes one event on it carrying the moment it was written (`process.hrtime`, the machine's
 * monotonic clock, the same in every process), so the reader can tell how long one event took one way.
 * `POST /job?ms=N` is a whole conversion at its barest: it answers a job ID at once, and `GET /job/{id}` streams
 * one event N ms later (a timer, as the scripted engine's), so both processes sleep through the job as they do
 * in a real conversion; the event says how long the timer really took (`engineMs`).
 */
import { createServer, type ServerResponse } from 'node:http'

let events: ServerResponse | undefined

/** The bare jobs: each finishes when its timer fires; a stream opened before then waits for it. */
const jobs = new Map<string, { done: boolean; timerMs: number; stream?: ServerResponse }>()
let jobCount = 0

function sendResult(stream: ServerResponse, id: string, timerMs: number) {
  stream.end(`event: result\ndata: {"id":"${id}","status":"completed","engineMs":${timerMs}}\n\n`)
  jobs.delete(id)
}

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/events') {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    response.flushHeaders()
    events = response
    return
  }
  const streamed = /^\/job\/(\d+)$/.exec(request.url ?? '')
  if (request.method === 'GET' && streamed) {
    const id = streamed[1]!
    const job = jobs.get(id)
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    if (!job) response.end()
    else if (job.done) sendResult(response, id, job.timerMs)
    else job.stream = response
    return
  }
  request.resume()
  request.on('end', () => {
    if (request.url === '/fire') events?.write(`event: result\ndata: ${process.hrtime.bigint()}\n\n`)
    const submitted = /^\/job\?ms=(\d+)$/.exec(request.url ?? '')
    if (submitted) {
      const id = String(++jobCount)
      const job: { done: boolean; timerMs: number; stream?: ServerResponse } = { done: false, timerMs: 0 }
      jobs.set(id, job)
      const started = process.hrtime.bigint()
      setTimeout(() => {
        job.done = true
        job.timerMs = Number(process.hrtime.bigint() - started) / 1e6
        if (job.stream) sendResult(job.stream, id, job.timerMs)
      }, Number(submitted[1]))
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(`{"jobId":"${id}"}`)
      return
    }
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
