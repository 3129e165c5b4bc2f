/** Uploading a document to create a job, with retries that never create a second job for one upload. */
import { APIError, ConnectionError, type NuMarkdownError, TimeoutError } from '../errors.js'
import type { Job, SubmitResult } from '../types.js'
import { findLostJob, type UploadIdentity } from './adoption.js'
import type { Call } from './call.js'
import { cancelInBackground, cancelQuietly } from './cancel.js'
import { chunkSize, type UploadSource } from './input.js'
import { type BodyWatch, digestSource, type MultipartBody, multipartBody } from './multipart.js'
import { Operation } from './operation.js'
import { nextDelay } from './retry.js'

/**
 * How long the request of an aborted submit whose body was sent stays open in the background, waiting for the job
 * ID so that the job can be cancelled. The call itself has ended already.
 */
const abortGraceMs = 5_000

type SubmitFailure = 'fatal' | 'safe' | 'ambiguous'

/** How a failed submit attempt reads: safe to resend (no job can exist), ambiguous (a job may exist), or fatal. */
function classifySubmitFailure(error: unknown): SubmitFailure {
  if (error instanceof APIError) {
    if (error.status === 408 || error.status === 429 || error.status === 503) return 'safe'
    if (error.status >= 500) return 'ambiguous'
    return 'fatal'
  }
  if (error instanceof ConnectionError) {
    // Nothing reached a server that could not be connected to (refused, unknown host). An answer without a
    // job ID (`invalid_response`) is ambiguous: the job may exist.
    if (error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN')
      return 'safe'
    if (error.code === 'UND_ERR_CONNECT_TIMEOUT') return 'safe'
    return 'ambiguous'
  }
  if (error instanceof TimeoutError && error.code !== 'deadline_exceeded') {
    return error.code === 'UND_ERR_CONNECT_TIMEOUT' ? 'safe' : 'ambiguous'
  }
  return 'fatal'
}

/** One upload with retries that never create a second job: see the README, "Retries". */
export async function submitUpload(
  call: Call,
  source: UploadSource,
  query: Record<string, string>,
): Promise<SubmitResult> {
  const { client, operation } = call
  const body = multipartBody(source)
  // Uploads that could share a job: the same content has the same size (names may differ, see adoption.ts).
  const key = String(source.size ?? '?')
  let streamOpened = false
  for (let attempt = 0; ; attempt++) {
    operation.throwIfAborted()
    const attemptStartedAt = Date.now()
    let lastUploadEvent = 0
    // Once the whole body is sent, the server may be creating a job: an abort then ends the call at once but
    // leaves the request open in the background for a while, so that the job can be cancelled instead of left
    // running unseen.
    let bodySent = false
    // The request follows this operation only, which nothing but this attempt aborts: the call's abort, deadline
    // and close reach it through the race below.
    const request = new Operation()
    const emitUpload = (bytesSent: number) =>
      call.emit({
        type: 'upload',
        filename: source.filename,
        bytesSent,
        ...(source.size === undefined ? {} : { totalBytes: source.size }),
      })
    const watch: BodyWatch = {
      opened: () => {
        streamOpened = true
      },
      progress: (bytesSent) => {
        // One event per 8 MiB (and the last one) keeps listeners cheap on large files.
        if (bytesSent - lastUploadEvent >= 8 * chunkSize || bytesSent === source.size) {
          lastUploadEvent = bytesSent
          emitUpload(bytesSent)
        }
      },
      sent: () => {
        bodySent = true
      },
    }
    const exchange = (async () => {
      const response = await client.http.send({
        method: 'POST',
        path: 'api/markdown/infer-async',
        query,
        headers: {
          accept: 'application/json, text/plain',
          'content-type': body.contentType,
          ...(body.contentLength === undefined ? {} : { 'content-length': String(body.contentLength) }),
        },
        body: body.small ? await body.bytes(watch) : body.stream(watch),
        operation: request,
      })
      if (response.status < 200 || response.status >= 300) throw await client.http.error(response, request)
      const text = await client.http.text(response, request)
      let jobId: unknown
      try {
        jobId = (JSON.parse(text) as { jobId?: unknown }).jobId
      } catch {
        jobId = undefined
      }
      if (typeof jobId !== 'string' || jobId === '') {
        throw new ConnectionError(`The server answered ${response.status} without a job ID`, {
          code: 'invalid_response',
        })
      }
      // Owned before the exchange settles: a peer's search for a lost job waits for it and must not adopt it.
      client.ownedJobs.add(jobId)
      return jobId
    })()
    const peers = client.submitAttempts.get(key) ?? new Set()
    client.submitAttempts.set(key, peers)
    peers.add(exchange)
    const settled: Promise<{ jobId: string } | { error: unknown }> = exchange.then(
      (jobId) => ({ jobId }),
      (error: unknown) => ({ error }),
    )
    void settled.then(() => {
      peers.delete(exchange)
      if (peers.size === 0 && client.submitAttempts.get(key) === peers) client.submitAttempts.delete(key)
    })
    const outcome = await operation.race(settled)

    if (outcome === undefined) {
      // Aborted, or past the deadline, while the request was in flight.
      if (!bodySent || operation.closed) {
        request.abort()
      } else {
        const grace = setTimeout(() => request.abort(), abortGraceMs)
        // Part of the cancel the abort asked for: `close()` waits for it like for any background cancel (at most
        // the grace period), so a program that aborts and then closes at once leaves no job running.
        client.background.run(`wait for the job ID of an aborted upload of ${source.filename}`, async () => {
          const late = await settled
          clearTimeout(grace)
          if ('jobId' in late) await cancelQuietly(client, late.jobId)
        })
      }
      throw operation.abortError()
    }
    if (operation.aborted) {
      if ('jobId' in outcome && !operation.closed) cancelInBackground(client, outcome.jobId)
      throw operation.abortError('jobId' in outcome ? outcome.jobId : undefined)
    }
    if ('jobId' in outcome) {
      const { jobId } = outcome
      client.queue.limit.succeeded()
      // The server may answer before reading a body to its end; a re-readable source can still be hashed.
      let digest: { size: number; sha256: string }
      try {
        digest =
          body.digest() ??
          (source.reReadable ? await digestSource(source, operation) : { size: body.bytesSent(), sha256: '' })
      } catch (error) {
        if (!operation.aborted) throw error
        if (!operation.closed) cancelInBackground(client, jobId)
        throw operation.abortError(jobId)
      }
      return submitted(call, { jobId, source, identity: digest, adopted: false })
    }
    const error = outcome.error
    const kind = classifySubmitFailure(error)
    if (kind === 'fatal') throw error

    if (kind === 'ambiguous') {
      const identity =
        source.reReadable || body.digest() ? await uploadIdentity(source, body, operation) : undefined
      if (!identity) {
        throw new ConnectionError(
          `The upload of ${source.filename} failed after it was sent, and a one-shot stream cannot be matched or sent again: ${(error as Error).message}`,
          { code: 'ambiguous_submit', cause: error },
        )
      }
      let adopted: Job | undefined
      try {
        adopted = await findLostJob(call, { identity, attemptStartedAt, key })
      } catch (listError) {
        if (operation.aborted) throw operation.abortError()
        // A refused token (or a denied owner) is the answer to give: no retry can help, and the caller must not
        // take it for a passing network fault.
        if (listError instanceof APIError && (listError.status === 401 || listError.status === 403))
          throw listError
        // Without the list, sending again could create a second job: stop here and say why.
        throw new ConnectionError(
          `The upload of ${source.filename} failed after it was sent (${(error as Error).message}), and the jobs could not be listed to find out whether the server created one: ${(listError as Error).message}`,
          { code: 'ambiguous_submit', cause: error },
        )
      }
      if (adopted) {
        call.emit({ type: 'adopted', jobId: adopted.id, filename: source.filename })
        client.logger.info(`numarkdown adopted job ${adopted.id} after an ambiguous submit failure`, {
          jobId: adopted.id,
        })
        return submitted(call, { jobId: adopted.id, source, identity, adopted: true })
      }
      // The server has no job for this upload: sending it again cannot create a second one.
    }
    if (!source.reReadable && streamOpened) throw error
    const delay = nextDelay(error, { attempt, policy: client.retryPolicy, operation })
    if (delay === undefined) throw error
    call.retryReporter('submit')(error as NuMarkdownError, attempt + 1, delay)
    await operation.sleep(delay)
  }
}

/** What identifies the upload in a job's `inputData`; hashes a re-readable source the server answered early. */
async function uploadIdentity(
  source: UploadSource,
  body: MultipartBody,
  operation: Operation,
): Promise<UploadIdentity> {
  const digest = body.digest() ?? (await digestSource(source, operation))
  return { filename: source.filename, size: digest.size, sha256: digest.sha256 }
}

/** The job a submit ends with: created by its upload, or adopted after an ambiguous failure. */
interface SubmittedJob {
  jobId: string
  source: UploadSource
  identity: { size: number; sha256: string }
  adopted: boolean
}

/** Reports the job a submit created or adopted and describes it as plain JSON. */
function submitted(call: Call, { jobId, source, identity, adopted }: SubmittedJob): SubmitResult {
  call.emit({ type: 'submitted', jobId, filename: source.filename })
  call.client.logger.debug(`numarkdown submitted ${source.filename} as job ${jobId}`, {
    jobId,
    filename: source.filename,
    adopted,
  })
  return {
    jobId,
    filename: source.filename,
    contentType: source.contentType,
    size: identity.size,
    sha256: identity.sha256,
    adopted,
  }
}
