import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Engine } from '@numarkdown/server'
import { PDFDocument } from 'pdf-lib'
import type { ServerModule } from './packages.ts'

/** How the benchmark server's engine spends its time. */
export interface EngineTiming {
  /** Fixed time per document. @default 0 */
  latencyMs?: number
  /** Time per page of a PDF (a non-PDF counts as one page), on top of `latencyMs`. @default 0 */
  perPageLatencyMs?: number
}

async function pageCount(path: string | undefined): Promise<number> {
  // This engine does not set `readsBytes`: the server always gives it a file.
  if (path === undefined) throw new Error('the per-page benchmark engine reads files')
  const bytes = await readFile(path)
  if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') return 1
  const document = await PDFDocument.load(bytes, { updateMetadata: false })
  return document.getPageCount()
}

/** How much markdown the benchmark engine writes. */
export interface EngineOutputSize {
  /**
   * Markdown per page (a non-PDF counts as one page), in bytes, in place of the scripted engine's short summary:
   * for measuring what a client holds of a long document's markdown. @default 0, the scripted engine's own output
   */
  markdownBytesPerPage?: number
}

/** `bytes` of markdown for page `pageNumber` of `filename`: a heading, then the same paragraph over again. */
export function pageMarkdown(filename: string, pageNumber: number, bytes: number): string {
  const head = `## ${filename}, page ${pageNumber}\n\n`
  const paragraph = `Text of page ${pageNumber}: the quick brown fox jumps over the lazy dog, once more.\n\n`
  const body = paragraph.repeat(Math.ceil(Math.max(0, bytes - head.length) / paragraph.length))
  return (head + body).slice(0, Math.max(bytes, head.length))
}

/**
 * The scripted engine with a fixed latency, or (with `perPageLatencyMs` or `markdownBytesPerPage`) wrapped so
 * that a document takes its page count × the page latency, like a model that reads one page image at a time,
 * and writes that many bytes of markdown per page.
 */
export function benchEngine(server: ServerModule, settings: EngineTiming & EngineOutputSize): Engine {
  const { latencyMs = 0, perPageLatencyMs = 0, markdownBytesPerPage = 0 } = settings
  if (perPageLatencyMs === 0 && markdownBytesPerPage === 0) return server.scriptedEngine({ latencyMs })
  const scripted = server.scriptedEngine({ latencyMs })
  return {
    name: 'scripted-per-page',
    async convert(document, params, signal) {
      const pages = await pageCount(document.path)
      await sleep(pages * perPageLatencyMs, undefined, { signal })
      const output = await scripted.convert(document, params, signal)
      if (markdownBytesPerPage === 0) return { ...output, pageCount: pages }
      const result = Array.from({ length: pages }, (_, index) =>
        pageMarkdown(document.filename, index + 1, markdownBytesPerPage),
      ).join('')
      return { ...output, result, pageCount: pages }
    },
  }
}
