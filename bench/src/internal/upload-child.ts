/**
 * One case of the upload-memory benchmark, alone in its own process so that its RSS is its own:
 * `node --expose-gc --import tsx upload-child.ts <case> <path> <baseUrl>` with the token in `NUMIND_API_KEY`.
 * Prints one JSON line: RSS before the upload, the peak sampled every 5 ms and the kernel's peak mark.
 *
 * Two cases split the Readable figure into its parts: `core-readable-warm` converts a few bytes first, so that
 * the process has parsed an HTTP response before the measured call (V8 compiles undici's WebAssembly HTTP
 * parser with its optimizing tier once per process, at about the first response, in a worker thread's malloc
 * arena); `readable-alone` reads the same stream with no client at all (a `for await` and a SHA-256), the
 * memory the caller's own 64 KiB chunks take before the garbage collector frees them.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { convertWithFetchPolling } from '../../baselines/fetch-polling.ts'
import { convertLikeNuMindSdk } from '../../baselines/sdk-sse.ts'
import { peakResidentBytes, resetPeakResident, residentBytes, sampleResident } from './memory.ts'

export type UploadCase =
  | 'core-path'
  | 'core-readable'
  | 'core-readable-warm'
  | 'readable-alone'
  | 'baseline-a'
  | 'baseline-b'

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
    case 'core-readable':
    case 'core-readable-warm': {
      const { NuMarkdownClient } = await import('@numarkdown/core')
      const client = new NuMarkdownClient({ apiKey, baseUrl, timeoutMs: 0 })
      if (uploadCase === 'core-readable-warm') {
        await client.convert({ data: Buffer.from('warm-up'), filename: 'warm-up.txt' })
        // The parser's optimizing compile runs in the background; let it finish before measuring.
        await new Promise((resolve) => setTimeout(resolve, 3000))
      }
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
    case 'readable-alone':
      return async () => {
        const hash = createHash('sha256')
        for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
        return { markdown: hash.digest('hex') }
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
const sampler = sampleResident(5)
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
