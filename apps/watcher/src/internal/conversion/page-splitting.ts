/**
 * Which documents are converted page by page: with `--split-pages` or `--pages`, PDFs (by their extension, which
 * the completeness check has held against their content); any other document is converted whole, as one job,
 * and the log says so once per run rather than once per document.
 */
import { extname } from 'node:path'
import type { ResolvedOptions } from '../../options.js'
import type { Display } from '../../types.js'

/** How one document is converted page by page: the pages asked for, or `undefined` for every page. */
export interface PageSplit {
  pages: string | undefined
}

export class PageSplitting {
  readonly #options: Pick<ResolvedOptions, 'splitPages' | 'pages'>
  readonly #display: Display
  #toldWhole = false

  constructor(options: Pick<ResolvedOptions, 'splitPages' | 'pages'>, display: Display) {
    this.#options = options
    this.#display = display
  }

  /** How `path` is converted page by page, or `undefined` to convert it whole. */
  of(path: string): PageSplit | undefined {
    const { splitPages, pages } = this.#options
    if (!splitPages && pages === undefined) return undefined
    if (extname(path).toLowerCase() === '.pdf') return { pages }
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
