/**
 * Baseline (b): the way NuMind's own Python SDK works, written in TypeScript with `fetch`: the whole file is
 * read into memory, sent in one multipart POST, then one read of the job's SSE stream
 * (`GET /api/jobs/{id}/stream`) waits for the `result` event. No retries and no fallback, like the SDK.
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { BaselineResult } from './fetch-polling.ts'

export interface SdkSseOptions {
  baseUrl: string
  apiKey: string
}

interface ServerSentEvent {
  event: string
  data: string
}

/** Splits a text/event-stream body into events, the way small SSE clients do (sseclient and the like). */
async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder()
  const reader = body.getReader()
  let buffer = ''
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      for (let end = buffer.search(/\r?\n\r?\n/); end !== -1; end = buffer.search(/\r?\n\r?\n/)) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '')
        let event = 'message'
        const data: string[] = []
        for (const line of block.split(/\r?\n/)) {
          if (line.startsWith('event:')) event = line.slice(6).trim()
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
        }
        yield { event, data: data.join('\n') }
      }
    }
  } finally {
    // Leaving early (the result arrived) closes the connection instead of waiting for the server to.
    await reader.cancel().catch(() => {})
  }
}

export async function convertLikeNuMindSdk(
  path: string,
  { baseUrl, apiKey }: SdkSseOptions,
): Promise<BaselineResult> {
  const headers = { Authorization: `Bearer ${apiKey}` }

  const content = await readFile(path)
  const form = new FormData()
  form.append('file', new Blob([content]), basename(path))
  const submitted = await fetch(`${baseUrl}/api/markdown/infer-async`, {
    method: 'POST',
    headers,
    body: form,
  })
  if (!submitted.ok) throw new Error(`upload failed: ${submitted.status} ${await submitted.text()}`)
  const { jobId } = (await submitted.json()) as { jobId: string }

  const response = await fetch(`${baseUrl}/api/jobs/${jobId}/stream`, {
    headers: { ...headers, Accept: 'text/event-stream' },
  })
  if (!response.ok || !response.body) throw new Error(`streaming job ${jobId} failed: ${response.status}`)
  for await (const { event, data } of readEvents(response.body)) {
    if (event === 'error') throw new Error(`job ${jobId} failed: ${data}`)
    if (event !== 'result') continue
    const job = JSON.parse(data) as { status: string; outputData?: string; errorMessage?: string }
    if (job.status !== 'completed') throw new Error(`job ${jobId} ended ${job.status}: ${job.errorMessage}`)
    const output = JSON.parse(job.outputData ?? '{}') as { result?: string }
    return { jobId, markdown: output.result ?? '' }
  }
  throw new Error(`the stream of job ${jobId} ended without a result`)
}
