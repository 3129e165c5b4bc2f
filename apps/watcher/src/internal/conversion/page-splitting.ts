/**
 * Which documents are converted page by page: with `--split-pages` or `--pages`, PDFs (by their extension, which
 * the completeness check has held against their content); any other document is converted whole, as one job,
 * and the log says so once per run rather than once per document.
 */
import { extname } from 'node:path'
import type { OnPageError, ResolvedOptions } from '../../options.js'
import type { Display } from '../../types.js'

/** How one document is converted page by page. */
export interface PageSplit {
  /** The pages asked for, or `undefined` for every page. */
  pages: string | undefined
  /** What a page that still fails after its own retry does: fail the document, or be marked and skipped. */
  onPageError: OnPageError
}

export class PageSplitting {
  readonly #options: Pick<ResolvedOptions, 'splitPages' | 'pages' | 'onPageError'>
  readonly #display: Display
  #toldWhole = false

  constructor(options: Pick<ResolvedOptions, 'splitPages' | 'pages' | 'onPageError'>, display: Display) {
    this.#options = options
    this.#display = display
  }

  /** How `path` is converted page by page, or `undefined` to convert it whole. */
  of(path: string): PageSplit | undefined {
    const { splitPages, pages, onPageError } = this.#options
    if (!splitPages && pages === undefined) return undefined
    if (extname(path).toLowerCase() === '.pdf') return { pages, onPageError }
    if (!this.#toldWhole) {
      this.#toldWhole = true
      const flags = [splitPages ? '--split-pages' : '', pages === undefined ? '' : '--pages'].filter(Boolean)
      this.#display.log(
        'warn',
        `${flags.join(' and ')} ${flags.length > 1 ? 'apply' : 'applies'} to PDFs only: other documents are converted whole`,
        { path },
      )
    }
    return undefined
  }
}
