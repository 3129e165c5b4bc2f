/**
 * `--split-pages`: a document converted range by range with core's `convertPages()`, each range handed on as
 * soon as it and every range before it are done. On stdout the pages go out one by one; an output file gets
 * the same bytes, written atomically once the last page is done. The markdown is that of the merged result
 * (the ranges joined by a blank line, ending with a newline); with `--json`, one JSON line per range. With
 * `--on-page-error skip`, a range that still fails after core's retry of it is written as core's marker in its
 * place (a JSON line with its `error`), the later ranges follow, and the document ends as partial: written,
 * but with its failed pages named.
 */
import type { ConversionParams, NuMarkdownClient, PageResult, ProgressListener } from '@numarkdown/core'
import { describeFailure } from './describe-failure.js'
import type { InspectedSource } from './inspect-source.js'
import { reasoningComment, withFinalNewline } from './markdown-text.js'
import type { Destination, OutputPlan } from './output-paths.js'
import type { Reporter } from './reporter.js'

/** What a split conversion needs from the run. */
export interface SplitContext {
  client: NuMarkdownClient
  /** The API's URL, for messages. */
  baseUrl: string
  params: ConversionParams
  /** `--pages` as typed, for a PDF. */
  pages: string | undefined
  /** `--on-page-error`: a range that still fails ends the document (`fail`), or is marked and skipped (`skip`). */
  onPageError: 'fail' | 'skip'
  json: boolean
  signal: AbortSignal
  reporter: Reporter
  onProgress: ProgressListener
  /** Writes an output file whole or not at all. */
  writeOutput(destination: Extract<Destination, { kind: 'file' }>, content: string): Promise<void>
  /** A path as shown in messages. */
  shown(path: string): string
}

/** How a split conversion ended. */
export type SplitOutcome =
  | { kind: 'done' /** Where the result went ('' for stdout). */; detail: string }
  /** Written, with a marker in place of each range that failed (`--on-page-error skip`): `message` names them. */
  | { kind: 'partial'; detail: string; message: string }
  | { kind: 'failed'; message: string }
  /** Aborted (Ctrl-C, or stdout's reader went away): the run says so once. */
  | { kind: 'stopped' }

/** How the ranges are written. */
interface PageFormat {
  json: boolean
  inlineReasoning: boolean
  input: string
}

/** The text of a range written after `index` ranges: a blank line between ranges, as the merged result has. */
function pageText(page: PageResult, index: number, format: PageFormat): string {
  if (format.json) return `${JSON.stringify({ input: format.input, ...page })}\n`
  const reasoning =
    format.inlineReasoning && page.reasoning.trim() !== '' ? reasoningComment(page.reasoning) : ''
  return `${index === 0 ? '' : '\n\n'}${reasoning}${page.markdown}`
}

/** `page 3`, `pages 1-4,7`: the ranges written, consecutive ones run together. */
export function describePages(ranges: readonly { pageNumber: number; lastPageNumber: number }[]): string {
  const runs: Array<[number, number]> = []
  let count = 0
  for (const { pageNumber, lastPageNumber } of ranges) {
    count += lastPageNumber - pageNumber + 1
    const run = runs.at(-1)
    if (run !== undefined && pageNumber === run[1] + 1) run[1] = lastPageNumber
    else runs.push([pageNumber, lastPageNumber])
  }
  const text = runs.map(([first, last]) => (first === last ? `${first}` : `${first}-${last}`)).join(',')
  return `${count === 1 ? 'page' : 'pages'} ${text}`
}

/**
 * Converts `document` page by page and writes it where `plan` says. A range that fails (after core's retry of
 * it on its own) ends the document: the ranges still running are cancelled, an output file is not written,
 * and stdout keeps the pages it already received, which the failure names. With `--on-page-error skip` it is
 * marked in its place instead, and the document is written whole but partial.
 */
export async function convertSplitDocument(
  document: InspectedSource,
  plan: OutputPlan,
  context: SplitContext,
): Promise<SplitOutcome> {
  const { reporter, signal } = context
  const display = document.source.display
  const toStdout = plan.result.kind === 'stdout'
  const format: PageFormat = {
    json: context.json,
    inlineReasoning: plan.reasoning.kind === 'inline',
    input: display,
  }
  const pages = context.client.convertPages(document.stream ?? (document.source as { path: string }).path, {
    ...context.params,
    ...(context.pages === undefined ? {} : { pages: context.pages }),
    ...(context.onPageError === 'skip' ? { onPageError: 'skip' as const } : {}),
    filename: document.filename,
    contentType: document.type.contentType,
    signal,
    onProgress: context.onProgress,
  })
  const delivered: PageResult[] = []
  // For an output file: everything, written once the last range is done.
  const held: string[] = []
  const warned = new Set<string>()
  let lastCharacter = ''
  let writeError: unknown
  try {
    for await (const page of pages) {
      for (const warning of page.warnings ?? []) {
        if (warned.has(warning)) continue
        warned.add(warning)
        reporter.notice(`${display}: ${warning}`)
      }
      const text = pageText(page, delivered.length, format)
      delivered.push(page)
      if (text !== '') lastCharacter = text.at(-1)!
      if (!toStdout) {
        held.push(text)
        continue
      }
      try {
        await reporter.result(text)
      } catch (error) {
        // Leaving the loop cancels the ranges still running.
        writeError = error
        break
      }
    }
  } catch (error) {
    if (signal.aborted) return { kind: 'stopped' }
    const message = describeFailure(error, context.baseUrl)
    const received = toStdout && delivered.length > 0 ? `; stdout has ${describePages(delivered)} only` : ''
    return { kind: 'failed', message: `${message}${received}` }
  }
  // The merged result ends with a newline; JSON lines end with one each.
  const ending = !format.json && lastCharacter !== '' && lastCharacter !== '\n' ? '\n' : ''
  try {
    if (writeError !== undefined) throw writeError
    if (plan.result.kind === 'file') await context.writeOutput(plan.result, `${held.join('')}${ending}`)
    else if (ending !== '') await reporter.result(ending)
    if (plan.reasoning.kind === 'file') {
      const reasoning = delivered.map((page) => page.reasoning).join('\n\n')
      await context.writeOutput(plan.reasoning, withFinalNewline(reasoning))
    }
  } catch (error) {
    // Aborted, or stdout's reader went away (the EPIPE handler aborts everything, quietly).
    if (signal.aborted || (error as NodeJS.ErrnoException).code === 'EPIPE') return { kind: 'stopped' }
    return {
      kind: 'failed',
      message: `converted, but the result could not be written: ${describeFailure(error, context.baseUrl)}`,
    }
  }
  const detail = plan.result.kind === 'file' ? context.shown(plan.result.path) : ''
  const failed = delivered.filter((page) => page.error !== undefined)
  if (failed.length === 0) return { kind: 'done', detail }
  const reasons = failed.map((page) => describeFailure(page.error, context.baseUrl)).join('; ')
  const marked = failed.length === 1 ? 'a marker in its place' : 'a marker in place of each'
  return {
    kind: 'partial',
    detail,
    message: `${reasons}; ${detail || 'stdout'} has the other pages, with ${marked}`,
  }
}
