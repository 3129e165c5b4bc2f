import { PDFDocument } from 'pdf-lib'
import { FormData, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../../server.js'
import { localEngine } from './local-engine.js'
import { makeLayoutPdf } from './test-documents.js'

const token = 'local-engine-token'
let server: RunningServer

beforeAll(async () => {
  server = await startServer({ tokens: [token], engine: localEngine({ ocrWorkers: 1 }) })
})

afterAll(async () => {
  await server.close()
})

async function submit(content: Uint8Array | string, filename: string, contentType: string): Promise<string> {
  const form = new FormData()
  form.append(
    'file',
    new Blob([typeof content === 'string' ? content : new Uint8Array(content)], { type: contentType }),
    filename,
  )
  const response = await request(`${server.url}/api/markdown/infer-async`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  })
  const body = await response.body.text()
  expect(response.statusCode, body).toBe(200)
  return (JSON.parse(body) as { jobId: string }).jobId
}

async function finished(jobId: string): Promise<Record<string, string>> {
  for (;;) {
    const response = await request(`${server.url}/api/jobs/${jobId}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const job = (await response.body.json()) as Record<string, string>
    if (!['pending', 'running'].includes(job.status ?? '')) return job
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('the server with the local engine', () => {
  it('converts an uploaded PDF to markdown', async () => {
    const job = await finished(await submit(await makeLayoutPdf(), 'report.pdf', 'application/pdf'))
    expect(job.status).toBe('completed')
    const output = JSON.parse(job.outputData ?? '{}') as {
      result: string
      reasoning: string
      pageCount: number
    }
    expect(output.result).toMatch(/^# Quarterly Results$/m)
    expect(output.result).toContain('| North | 120 | 180 |')
    expect(output.reasoning).toContain('PDF with 3 pages')
    expect(output.pageCount).toBe(3)
  })

  it('sends the warnings of an empty result with it', async () => {
    const document = await PDFDocument.create()
    document.addPage([300, 400])
    const job = await finished(await submit(await document.save(), 'blank.pdf', 'application/pdf'))
    expect(job.status).toBe('completed')
    const output = JSON.parse(job.outputData ?? '{}') as { result: string; warnings?: string[] }
    expect(output.result).toBe('')
    expect(output.warnings?.[0]).toBe('Page 1 is blank.')
  })

  it('fails a job for an unsupported file with UnsupportedFormat, and keeps serving', async () => {
    const job = await finished(await submit('GIF89a', 'anim.gif', 'image/gif'))
    expect(job.status).toBe('failed')
    expect(job.errorCode).toBe('UnsupportedFormat')
    const next = await finished(await submit('# Still here', 'notes.md', 'text/markdown'))
    expect(JSON.parse(next.outputData ?? '{}').result).toBe('# Still here')
  })
})
