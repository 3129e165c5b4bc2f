/**
 * The client floor: the least a client must do for one conversion over this API with undici, and nothing
 * around it: the file read whole, one multipart POST through `request()` on a keep-alive Agent, then one read of
 * the job's SSE stream until its `result` event. No validation, retries, deadlines, progress or cancellation:
 * what it costs is what the transport itself costs, the bar the real client is held against.
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { Agent, request } from 'undici'
import type { BaselineResult } from './fetch-polling.ts'

export interface ClientFloorOptions {
  baseUrl: string
  apiKey: string
  /** Shared by the calls of one run, as any client keeps its connections. */
  agent: Agent
}

const boundary = '----numarkdown-floor-boundary'

/** A keep-alive Agent for {@link convertAtFloor}. */
export function floorAgent(): Agent {
  return new Agent({ keepAliveTimeout: 10_000 })
}

export async function convertAtFloor(
  path: string,
  { baseUrl, apiKey, agent }: ClientFloorOptions,
): Promise<BaselineResult> {
  const authorization = `Bearer ${apiKey}`
  const content = await readFile(path)
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${basename(path)}"\r\n` +
        'Content-Type: text/markdown\r\n\r\n',
    ),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
  const submitted = await request(`${baseUrl}/api/markdown/infer-async`, {
    dispatcher: agent,
    method: 'POST',
    headers: { authorization, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  })
  const { jobId } = (await submitted.body.json()) as { jobId: string }
  if (submitted.statusCode !== 200 && submitted.statusCode !== 202) {
    throw new Error(`upload failed: ${submitted.statusCode}`)
  }
  const stream = await request(`${baseUrl}/api/jobs/${jobId}/stream`, {
    dispatcher: agent,
    headers: { authorization, accept: 'text/event-stream' },
  })
  let text = ''
  for await (const chunk of stream.body) {
    text += chunk.toString()
    const start = text.indexOf('event: result\ndata: ')
    const end = start === -1 ? -1 : text.indexOf('\n\n', start)
    if (end === -1) continue
    stream.body.destroy()
    const job = JSON.parse(text.slice(start + 20, end)) as { status: string; outputData?: string }
    if (job.status !== 'completed') throw new Error(`job ${jobId} ended ${job.status}`)
    const output = JSON.parse(job.outputData ?? '{}') as { result?: string }
    return { jobId, markdown: output.result ?? '' }
  }
  throw new Error(`the stream of job ${jobId} ended without a result`)
}
