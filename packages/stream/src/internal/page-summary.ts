/**
 * What a page-streaming conversion reports in `info` once its last range is out. It keeps the details of each
 * range, never its text: the markdown went to the reader as it came, and holding it until the end would make
 * memory grow with the document instead of the ranges in flight.
 */
import type { FailedPages, PageResult, Usage } from '@numarkdown/core'
import type { MarkdownInfo, PageInfo } from '../types.js'

/** Adds up the ranges of one conversion, in page order. */
export class PageSummary {
  readonly #pages: PageInfo[] = []
  readonly #failed: FailedPages[] = []
  readonly #warnings = new Set<string>()
  #jobId: string | undefined
  #partial = false
  #recovered = false
  #usage: Usage | undefined

  /** How many ranges were added. */
  get count(): number {
    return this.#pages.length
  }

  add(page: PageResult): void {
    const { markdown: _markdown, reasoning: _reasoning, ...details } = page
    this.#pages.push(details)
    if (page.error === undefined) this.#jobId ??= page.jobId
    else {
      this.#failed.push({
        pageNumber: page.pageNumber,
        lastPageNumber: page.lastPageNumber,
        error: page.error,
      })
    }
    this.#partial ||= page.partial || page.error !== undefined
    this.#recovered ||= page.recovered
    for (const warning of page.warnings ?? []) this.#warnings.add(warning)
    if (page.usage !== undefined) this.#usage = addUsage(this.#usage, page.usage)
  }

  /** The first range that failed and was skipped, when every range was: there is then no job to name. */
  get everyRangeFailed(): FailedPages | undefined {
    return this.#jobId === undefined ? this.#failed[0] : undefined
  }

  info(): MarkdownInfo {
    return {
      jobId: this.#jobId ?? '',
      partial: this.#partial,
      reasoning: '',
      ...(this.#usage === undefined ? {} : { usage: this.#usage }),
      recovered: this.#recovered,
      pages: this.#pages,
      ...(this.#failed.length === 0 ? {} : { failedPages: this.#failed }),
      ...(this.#warnings.size === 0 ? {} : { warnings: [...this.#warnings] }),
    }
  }
}

function addUsage(total: Usage | undefined, usage: Usage): Usage {
  const sum: Usage = { ...total }
  for (const key of ['inputTokens', 'outputTokens', 'totalTokens'] as const) {
    if (usage[key] !== undefined) sum[key] = (sum[key] ?? 0) + usage[key]
  }
  return sum
}
