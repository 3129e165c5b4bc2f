/**
 * The process the pages-resume benchmark kills and starts again:
 * `node --import tsx pages-resume-child.ts <path> <baseUrl> <handlePath> <fresh|resume>` with the token in
 * `NUMIND_API_KEY`. It reads the PDF through `convertPages()` (one page per range, 4 at once) and, after every
 * `submitted` and `page-done` event, writes the conversion's handle to `handlePath` atomically (a temporary file
 * renamed over it), as an application that must survive `kill -9` does; `resume` starts from the handle found
 * there. Each event and each delivered page is one JSON line on stdout, written after the handle it follows.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import type { PagesHandle } from '@numarkdown/core'

/** One line of the child's stdout. */
export type PagesResumeChildLine =
  | { type: 'submitted'; pageNumber?: number; jobId: string }
  | { type: 'page-done'; pageNumber: number; outcome: string }
  | { type: 'delivered'; pageNumber: number; markdownBytes: number }
  | { type: 'end'; pages: number }

const [path, baseUrl, handlePath, mode] = process.argv.slice(2) as [
  string,
  string,
  string,
  'fresh' | 'resume',
]
const apiKey = process.env.NUMIND_API_KEY ?? ''
const temporaryPath = `${handlePath}.tmp`

const { NuMarkdownClient } = await import('@numarkdown/core')
const client = new NuMarkdownClient({ apiKey, baseUrl, concurrency: 4, timeoutMs: 0 })

function say(line: PagesResumeChildLine): void {
  // Synchronous on a pipe: a line the parent reads was written before anything that follows it.
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

function saveHandle(): void {
  const handle = stream.handle
  if (handle === undefined) return
  writeFileSync(temporaryPath, JSON.stringify(handle))
  renameSync(temporaryPath, handlePath)
}

const resume = mode === 'resume' ? (JSON.parse(readFileSync(handlePath, 'utf8')) as PagesHandle) : undefined
const stream = client.convertPages(path, {
  // The handle carries its ranges: a resume takes no pagesPerChunk.
  ...(resume === undefined ? { pagesPerChunk: 1 } : { resume }),
  onProgress(event) {
    if (event.type === 'submitted') {
      saveHandle()
      say({
        type: 'submitted',
        jobId: event.jobId,
        ...(event.pageNumber === undefined ? {} : { pageNumber: event.pageNumber }),
      })
    } else if (event.type === 'page-done') {
      saveHandle()
      say({ type: 'page-done', pageNumber: event.pageNumber, outcome: event.outcome })
    }
  },
})
let pages = 0
for await (const page of stream) {
  pages++
  say({ type: 'delivered', pageNumber: page.pageNumber, markdownBytes: Buffer.byteLength(page.markdown) })
}
say({ type: 'end', pages })
await client.close()
process.exit(0)
