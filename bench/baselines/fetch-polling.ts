/**
 * Baseline (a): what a user writes with nothing but Node's globals. The whole file goes into a `Blob` in a
 * `FormData`, global `fetch` uploads it, then `GET /api/jobs/{id}` is repeated every second until the job is
 * done. Deliberately plain: no retries, no streaming, no concurrency control.
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export interface FetchPollingOptions {
  baseUrl: string
  apiKey: string
  /** Pause between two reads of the job. @default 1000 */
  pollIntervalMs?: number
}

export interface BaselineResult {
  jobId: string
  markdown: string
}

interface JobResponse {
  status: string
  outputData?: string
  errorMessage?: string
}

export async function convertWithFetchPolling(
  path: string,
  { baseUrl, apiKey, pollIntervalMs = 1000 }: FetchPollingOptions,
): Promise<BaselineResult> {
  const headers = { Authorization: `Bearer ${apiKey}` }

  const form = new FormData()
  form.append('file', new Blob([await readFile(path)]), basename(path))
  const submitted = await fetch(`${baseUrl}/api/markdown/infer-async`, {
    method: 'POST',
    headers,
    body: form,
  })
  if (!submitted.ok) throw new Error(`upload failed: ${submitted.status} ${await submitted.text()}`)
  const { jobId } = (await submitted.json()) as { jobId: string }

  for (;;) {
    const response = await fetch(`${baseUrl}/api/jobs/${jobId}`, { headers })
    if (!response.ok) throw new Error(`reading job ${jobId} failed: ${response.status}`)
    const job = (await response.json()) as JobResponse
    if (job.status === 'completed') {
      const output = JSON.parse(job.outputData ?? '{}') as { result?: string }
      return { jobId, markdown: output.result ?? '' }
    }
    if (job.status === 'failed') throw new Error(`job ${jobId} failed: ${job.errorMessage}`)
    await sleep(pollIntervalMs)
  }
}
