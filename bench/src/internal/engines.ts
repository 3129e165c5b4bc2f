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

/**
 * The scripted engine with a fixed latency, or (with `perPageLatencyMs`) wrapped so that a document takes
 * its page count × the page latency, like a model that reads one page image at a time.
 */
export function benchEngine(server: ServerModule, timing: EngineTiming): Engine {
  const { latencyMs = 0, perPageLatencyMs = 0 } = timing
  if (perPageLatencyMs === 0) return server.scriptedEngine({ latencyMs })
  const scripted = server.scriptedEngine({ latencyMs })
  return {
    name: 'scripted-per-page',
    async convert(document, params, signal) {
      const pages = await pageCount(document.path)
      await sleep(pages * perPageLatencyMs, undefined, { signal })
      return { ...(await scripted.convert(document, params, signal)), pageCount: pages }
    },
  }
}
