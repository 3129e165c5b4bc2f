/**
 * PDF pages rendered to PNG in threads, for an engine that sends page images elsewhere (the OpenAI-compatible
 * engine): a large page drawn on the main thread would delay every other request of the server.
 */
import type { PageRenderOptions, RenderedPage } from './render-page.js'
import { performRender, type RenderResults, type RenderTask } from './render-tasks.js'
import { TaskThreads } from './threads/task-threads.js'
import { toBuffer } from './threads/thread-messages.js'

export class PageRenderer {
  readonly #threads: TaskThreads<RenderTask, RenderResults>

  /** @param threads the most threads at once; 0 renders on the main thread */
  constructor(threads: number) {
    this.#threads = new TaskThreads({
      threads,
      script: new URL('./render-thread.js', import.meta.url),
      perform: performRender,
    })
  }

  /** Threads running now. */
  get threads(): number {
    return this.#threads.threads
  }

  /** The number of pages of a PDF file; fails with `InvalidDocument` as `openPdf` does. */
  pageCount(path: string): Promise<number> {
    return this.#threads.run({ kind: 'pageCount', path })
  }

  /** Renders one page of a PDF file, as {@link renderPdfPage} does for an open document. */
  async renderPage(path: string, options: PageRenderOptions): Promise<RenderedPage> {
    const { page, dpi, signal } = options
    const rendered = await this.#threads.run({ kind: 'renderPage', path, page, dpi }, { signal })
    return { ...rendered, png: toBuffer(rendered.png) }
  }

  /** Stops the threads; a task still running fails. The renderer starts again if used after. */
  close(): Promise<void> {
    return this.#threads.close()
  }
}
