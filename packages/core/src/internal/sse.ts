/** One connection to a job's event stream (SSE), read until the job finishes, fails, or the stream drops. */
import { isTerminal } from '@numarkdown/protocol'
import { createParser } from 'eventsource-parser'
import { APIError, JobFailedError, JobTimeoutError, NuMarkdownError } from '../errors.js'
import type { Job } from '../types.js'
import type { Call } from './call.js'
import type { HttpResponse } from './http.js'

/** How one connection to `GET /api/jobs/{jobId}/stream` ended. */
export type StreamOutcome =
  | { kind: 'finished'; job: Job; httpStatus: number }
  /** The stream ended, broke or stayed silent too long; `error` says why when there was one. */
  | { kind: 'dropped'; reason: string; error?: NuMarkdownError; sawEvent: boolean }
  /** The server has no stream for this job (404/405/406/501): the caller checks the job or polls. */
  | { kind: 'unsupported'; error: APIError }

const unsupportedStatuses = new Set([404, 405, 406, 501])

/**
 * How long the end of a stream is awaited after its result, in the background: a server ends the stream after
 * the result, and a stream read to its end leaves its connection to the next request (a stream cut short is
 * a connection closed, and a new one to open).
 */
const endAfterResultMs = 1_000

/** Which job's stream to read, how long it may stay silent, and who hears of each state of the job. */
export interface JobStreamReading {
  jobId: string
  /** Twice the server's ping interval: a stream silent for longer is destroyed and reported as dropped. */
  silenceMs: number
  onJob: (job: Job) => void
}

/** Reads the job's event stream until a `result` event with a finished job arrives. */
export async function readJobStream(
  call: Call,
  { jobId, silenceMs, onJob }: JobStreamReading,
): Promise<StreamOutcome> {
  const { http } = call.client
  const { operation } = call
  let response: HttpResponse
  try {
    response = await http.send({
      method: 'GET',
      path: `api/jobs/${encodeURIComponent(jobId)}/stream`,
      headers: { accept: 'text/event-stream', 'cache-control': 'no-cache' },
      operation,
      headersTimeoutMs: silenceMs,
      // undici's body timeout is the silence watchdog: it fires when no byte came for `silenceMs` (the server's
      // pings count), on undici's shared coarse clock rather than a timer of this stream's own.
      bodyTimeoutMs: silenceMs,
      jobId,
    })
  } catch (error) {
    if (operation.aborted || !(error instanceof NuMarkdownError)) throw error
    return { kind: 'dropped', reason: error.message, error, sawEvent: false }
  }
  if (response.status < 200 || response.status >= 300) {
    const error = await http.error(response, operation, jobId)
    if (unsupportedStatuses.has(response.status)) return { kind: 'unsupported', error }
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      return { kind: 'dropped', reason: error.message, error, sawEvent: false }
    }
    throw error
  }
  const contentType = String(response.headers['content-type'] ?? '')
  if (!contentType.includes('text/event-stream')) {
    await response.body.dump().catch(() => {})
    const error = new APIError(
      `The stream answered ${response.status} with ${contentType || 'no content type'}`,
      {
        status: 406,
        code: 'not_event_stream',
        jobId,
      },
    )
    return { kind: 'unsupported', error }
  }

  let finished: Job | undefined
  let failure: NuMarkdownError | undefined
  let sawEvent = false
  const parser = createParser({
    onEvent(event) {
      sawEvent = true
      if (event.event === 'result') {
        let job: Job
        try {
          job = JSON.parse(event.data) as Job
        } catch {
          return
        }
        if (job && typeof job === 'object') {
          onJob(job)
          if (isTerminal(job.status)) finished = job
        }
      } else if (event.event === 'error') {
        let body: { code?: unknown; message?: unknown } = {}
        try {
          body = JSON.parse(event.data)
        } catch {
          body = { message: event.data }
        }
        const code = typeof body.code === 'string' ? body.code : 'stream_error'
        const message = http.redact(typeof body.message === 'string' ? body.message : 'the job failed')
        failure =
          code === 'JobTimeout'
            ? new JobTimeoutError(`Job ${jobId} timed out: ${message}`, { jobId, code })
            : new JobFailedError(`Job ${jobId} failed: ${message}`, { jobId, code })
      }
    },
  })
  const decoder = new TextDecoder('utf-8')
  try {
    const end = await feedChunks(response.body, (chunk) => {
      parser.feed(decoder.decode(chunk, { stream: true }))
      return finished !== undefined || failure !== undefined
    })
    if (end === 'ended') parser.feed(decoder.decode())
    if (finished) return { kind: 'finished', job: finished, httpStatus: response.status }
    if (failure) throw failure
    return { kind: 'dropped', reason: 'the stream ended before a result', sawEvent }
  } catch (error) {
    if (error === failure) throw error
    if (operation.aborted) throw operation.abortError(jobId)
    return {
      kind: 'dropped',
      reason:
        (error as { code?: unknown } | null)?.code === 'UND_ERR_BODY_TIMEOUT'
          ? `no event for ${silenceMs} ms`
          : `the stream broke: ${http.redact(String((error as Error)?.message))}`,
      sawEvent,
    }
  } finally {
    if (finished && !failure) readToEnd(response.body)
    else if (!response.body.destroyed) {
      // The loop no longer listens: the abort error a destroyed body emits is expected, not a crash.
      response.body.on('error', () => {})
      response.body.destroy()
    }
  }
}

/**
 * Hands each chunk of `body` to `take` as it arrives, until `take` returns true (`stopped`; the body is left as it
 * is, for the caller to drain or destroy) or the body ends (`ended`). Rejects with the body's error, or when it
 * closes before its end. The chunks come straight from the stream's events: an async iterator would put a promise
 * and its ticks between each chunk and the parser, on the way from the result to the caller.
 */
function feedChunks(
  body: HttpResponse['body'],
  take: (chunk: Uint8Array) => boolean,
): Promise<'stopped' | 'ended'> {
  return new Promise((resolve, reject) => {
    if (body.errored) return reject(body.errored)
    if (body.readableEnded) return resolve('ended')
    if (body.destroyed) return reject(new Error('the stream was closed'))
    const settle = (outcome: () => void): void => {
      body.off('data', onData)
      body.off('end', onEnd)
      body.off('error', onError)
      body.off('close', onClose)
      outcome()
    }
    const onData = (chunk: Uint8Array): void => {
      if (take(chunk)) settle(() => resolve('stopped'))
    }
    const onEnd = (): void => settle(() => resolve('ended'))
    const onError = (error: unknown): void => settle(() => reject(error))
    const onClose = (): void => settle(() => reject(new Error('the stream closed before its end')))
    body.on('data', onData)
    body.on('end', onEnd)
    body.on('error', onError)
    body.on('close', onClose)
  })
}

/** Reads what is left of a stream after its result, discarding it; cuts it if it does not end soon. */
function readToEnd(body: HttpResponse['body']): void {
  if (body.destroyed || body.readableEnded) return
  body.on('error', () => {})
  const cut = setTimeout(() => body.destroy(), endAfterResultMs)
  cut.unref()
  body.once('close', () => clearTimeout(cut))
  body.resume()
}
