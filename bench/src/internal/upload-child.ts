/**
 * One case of the upload-memory benchmark, alone in its own process so that its RSS is its own:
 * `node --expose-gc --import tsx upload-child.ts <case> <path> <baseUrl>` with the token in `NUMIND_API_KEY`.
 * Prints one JSON line: RSS before the upload, the peak sampled every 20 ms and the kernel's peak mark.
 */
import { createReadStream } from 'node:fs'
import { convertWithFetchPolling } from '../../baselines/fetch-polling.ts'
import { convertLikeNuMindSdk } from '../../baselines/sdk-sse.ts'
import { peakResidentBytes, resetPeakResident, residentBytes, sampleResident } from './memory.ts'

export type UploadCase = 'core-path' | 'core-readable' | 'baseline-a' | 'baseline-b'

export interface UploadChildResult {
  case: UploadCase
  beforeBytes: number
  sampledPeakBytes: number
  kernelPeakBytes?: number
  samples: number
  durationMs: number
  markdownLength: number
}

const [uploadCase, path, baseUrl] = process.argv.slice(2) as [UploadCase, string, string]
const apiKey = process.env.NUMIND_API_KEY ?? ''

async function prepare(): Promise<() => Promise<{ markdown: string }>> {
  switch (uploadCase) {
    case 'core-path':
    case 'core-readable': {
      const { NuMarkdownClient } = await import('@numarkdown/core')
      const client = new NuMarkdownClient({ apiKey, baseUrl, timeoutMs: 0 })
      return async () => {
        const input =
          uploadCase === 'core-path' ? path : { data: createReadStream(path), filename: 'upload.bin' }
        try {
          return await client.convert(input)
        } finally {
          await client.close()
        }
      }
    }
    case 'baseline-a':
      return () => convertWithFetchPolling(path, { baseUrl, apiKey })
    case 'baseline-b':
      return () => convertLikeNuMindSdk(path, { baseUrl, apiKey })
    default:
      throw new Error(`unknown upload case ${String(uploadCase)}`)
  }
}

const convert = await prepare()
globalThis.gc?.()
await new Promise((resolve) => setTimeout(resolve, 50))
globalThis.gc?.()
const beforeBytes = residentBytes()
resetPeakResident()
const sampler = sampleResident(20)
const started = performance.now()
const { markdown } = await convert()
const durationMs = performance.now() - started
const { peakBytes, samples } = sampler.stop()
const result: UploadChildResult = {
  case: uploadCase,
  beforeBytes,
  sampledPeakBytes: peakBytes,
  kernelPeakBytes: peakResidentBytes(),
  samples,
  durationMs,
  markdownLength: markdown.length,
}
process.stdout.write(`${JSON.stringify(result)}\n`)
process.exit(0)
