import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type RunningServer, scriptedEngine, startServer } from '@numarkdown/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { benchDirectory } from '../src/internal/files.ts'
import { convertWithFetchPolling } from './fetch-polling.ts'
import { convertLikeNuMindSdk } from './sdk-sse.ts'

const token = 'bench-baselines-token'
let good: RunningServer
let failing: RunningServer
let directory: Awaited<ReturnType<typeof benchDirectory>>
let path: string

beforeAll(async () => {
  directory = await benchDirectory('baselines-test')
  path = join(directory.path, 'note.md')
  await writeFile(path, '# Note\n\nHello from the baselines.\n')
  good = await startServer({ tokens: [token], engine: scriptedEngine({ latencyMs: 300 }) })
  failing = await startServer({
    tokens: [token],
    engine: scriptedEngine({ outcome: { type: 'fail', code: 'Corrupt', message: 'unreadable document' } }),
  })
})

afterAll(async () => {
  await Promise.all([good?.close(), failing?.close()])
  await directory?.remove()
})

describe.each([
  [
    '(a) fetch + polling',
    (baseUrl: string) => convertWithFetchPolling(path, { baseUrl, apiKey: token, pollIntervalMs: 20 }),
  ],
  ['(b) SDK-style SSE', (baseUrl: string) => convertLikeNuMindSdk(path, { baseUrl, apiKey: token })],
])('baseline %s', (_name, convert) => {
  it('returns the markdown of the document', async () => {
    const result = await convert(good.url)
    expect(result.markdown).toBe('# Note\n\nHello from the baselines.\n')
    expect(result.jobId).toMatch(/\S/)
  })

  it('throws when the job fails', async () => {
    await expect(convert(failing.url)).rejects.toThrow(/unreadable document|failed/)
  })
})

it('baseline (a) reads the job once per interval', async () => {
  const before = good.requests.length
  await convertWithFetchPolling(path, { baseUrl: good.url, apiKey: token, pollIntervalMs: 1000 })
  const requests = good.requests.slice(before)
  expect(requests.filter((entry) => entry.route === 'submit')).toHaveLength(1)
  expect(requests.filter((entry) => entry.route === 'getJob')).toHaveLength(2)
})
