/**
 * One case of the pages-memory benchmark, alone in its own process so that its memory is its own:
 * `node --expose-gc --import tsx pages-memory-child.ts <case> <path> <baseUrl> <concurrency>` with the token in
 * `NUMIND_API_KEY`. `streamed` reads the document through `convertPages()` and lets each page go once its length
 * is counted, as a consumer writing pages out does; `whole` takes `convert({ splitPages: true })`, which must
 * hold every page. Prints one JSON line: RSS before, its peak (20 ms samples and the kernel's mark), and the live
 * memory (JS heap and external, after a full GC) before and at checkpoints every few finished pages.
 */

import { peakResidentBytes, resetPeakResident, residentBytes, sampleResident } from './memory.ts'
import { makePdf } from './pdf.ts'

export type PagesMemoryCase = 'streamed' | 'whole'

/** Memory that outlives a full GC: the JS heap (where strings such as markdown live) and external buffers. */
export interface LiveMemory {
  heapBytes: number
  externalBytes: number
}

export interface PagesMemoryChildResult {
  case: PagesMemoryCase
  beforeBytes: number
  sampledPeakBytes: number
  kernelPeakBytes?: number
  /** Live memory before the conversion. */
  liveBefore: LiveMemory
  /** Live memory at each checkpoint, in order: flat when bounded, rising when the document is held. */
  checkpoints: LiveMemory[]
  /** Bytes of markdown received, summed over the pages. */
  markdownBytes: number
  pages: number
  durationMs: number
}

const [memoryCase, path, baseUrl, concurrencyText] = process.argv.slice(2) as [
  PagesMemoryCase,
  string,
  string,
  string,
]
const apiKey = process.env.NUMIND_API_KEY ?? ''
/** A checkpoint every this many finished ranges: often enough to see growth, rarely enough to cost little. */
const checkpointEvery = 20

const { NuMarkdownClient } = await import('@numarkdown/core')
const client = new NuMarkdownClient({ apiKey, baseUrl, concurrency: Number(concurrencyText), timeoutMs: 0 })

function liveMemory(): LiveMemory {
  globalThis.gc?.()
  const usage = process.memoryUsage()
  return { heapBytes: usage.heapUsed, externalBytes: usage.external }
}

let finished = 0
let checkpoints: LiveMemory[] = []
const checkpoint = () => {
  checkpoints.push(liveMemory())
}
const onProgress = (event: { type: string }) => {
  if (event.type === 'page-done' && ++finished % checkpointEvery === 0) checkpoint()
}

type Input = string | { data: Uint8Array; filename: string }

async function convert(input: Input): Promise<{ markdownBytes: number; pages: number }> {
  if (memoryCase === 'streamed') {
    let markdownBytes = 0
    let pages = 0
    for await (const page of client.convertPages(input, { onProgress })) {
      markdownBytes += Buffer.byteLength(page.markdown)
      pages++
    }
    checkpoint()
    return { markdownBytes, pages }
  }
  if (memoryCase === 'whole') {
    const result = await client.convert(input, { splitPages: true, onProgress })
    // The result is still held here, as a caller of convert() holds it until it has written it out.
    checkpoint()
    return { markdownBytes: Buffer.byteLength(result.markdown), pages: result.pages?.length ?? 0 }
  }
  throw new Error(`unknown pages-memory case ${String(memoryCase)}`)
}

// Warm-up: the first split loads pdf-lib and the page paths; the measured conversion should not count them.
await convert({ data: await makePdf(['Warm-up 1', 'Warm-up 2']), filename: 'warm-up.pdf' })
finished = 0
checkpoints = []
const liveBefore = liveMemory()
await new Promise((resolve) => setTimeout(resolve, 50))
const beforeBytes = residentBytes()
resetPeakResident()
const sampler = sampleResident(20)
const started = performance.now()
const { markdownBytes, pages } = await convert(path)
const durationMs = performance.now() - started
const { peakBytes } = sampler.stop()
await client.close()
const result: PagesMemoryChildResult = {
  case: memoryCase,
  beforeBytes,
  sampledPeakBytes: peakBytes,
  kernelPeakBytes: peakResidentBytes(),
  liveBefore,
  checkpoints,
  markdownBytes,
  pages,
  durationMs,
}
process.stdout.write(`${JSON.stringify(result)}\n`)
process.exit(0)
