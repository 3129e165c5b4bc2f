/**
 * Counting the pages of a PDF file and rendering one of them, as tasks that run the same in a rendering thread or
 * on the main thread. Each task opens the file itself: only the path crosses to the thread, never the document.
 */
import { abortReason } from './engine-failure.js'
import { openPdf } from './pdf-document.js'
import { type RenderedPage, renderPdfPage } from './render-page.js'

/** One unit of work. */
export type RenderTask =
  | { kind: 'pageCount'; path: string }
  | { kind: 'renderPage'; path: string; page: number; dpi: number }

/** What each kind of task returns. */
export interface RenderResults {
  pageCount: number
  renderPage: RenderedPage
}

/** Run one task; rendering calls nothing back on the main thread. */
export async function performRender(
  task: RenderTask,
  _calls: unknown,
  signal: AbortSignal,
): Promise<RenderResults[RenderTask['kind']]> {
  if (task.kind === 'renderPage' && signal.aborted) throw abortReason(signal)
  const document = await openPdf(task.path)
  try {
    if (task.kind === 'pageCount') return document.numPages
    return await renderPdfPage(document, { page: task.page, dpi: task.dpi, signal })
  } finally {
    await document.destroy().catch(() => {})
  }
}
