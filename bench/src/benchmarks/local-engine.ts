/**
 * The local engine on the docling corpus (`../shared/corpus/docling/`: PDFs, DOCX and HTML with reference
 * markdown): token F1 and edit similarity per document, beside the raw text layer as baseline, and the time
 * per page of text-layer pages and of OCR pages.
 *
 * Scoring normalises both sides the same way: Unicode NFKC, lowercase, every character that is not a letter or
 * a digit becomes a space (which strips markdown syntax: `#`, `|`, `-`, `*`, links' brackets...), then split
 * on whitespace. Token F1 compares the two bags of words; edit similarity is 1 − (word-level Levenshtein
 * distance / length of the longer word sequence), so it also scores reading order.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { availableParallelism, loadavg } from 'node:os'
import { basename, extname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { importOrSkip } from '../internal/packages.ts'
import type { Benchmark, BenchmarkReport, BenchmarkRow } from '../report.ts'
import { skip } from '../skip.ts'

const corpus = fileURLToPath(new URL('../../../../shared/corpus/docling/', import.meta.url))
const quickDocuments = ['multi_page.pdf', 'word_sample.docx']
const ocrDocument = 'ocr_test.pdf'

interface EngineDocument {
  path: string
  filename: string
  contentType: string
  size: number
}
interface Engine {
  convert(
    document: EngineDocument,
    params: { temperature: number; rasterizationDPI: number; maxOutputTokens: number },
    signal: AbortSignal,
  ): Promise<{ result: string; reasoning: string; rawResponse?: string; pageCount?: number }>
  close?(): Promise<void>
}
interface ServerWithLocalEngine {
  localEngine(options?: { ocrWorkers?: number; fontWeights?: boolean }): Engine
}

/** Words of a text after the normalisation described above. */
export function words(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .split(' ')
    .filter((word) => word.length > 0)
}

/** F1 of the multisets of words. */
export function tokenF1(candidate: string[], reference: string[]): number {
  if (candidate.length === 0 && reference.length === 0) return 1
  const counts = new Map<string, number>()
  for (const word of reference) counts.set(word, (counts.get(word) ?? 0) + 1)
  let overlap = 0
  for (const word of candidate) {
    const count = counts.get(word) ?? 0
    if (count > 0) {
      overlap++
      counts.set(word, count - 1)
    }
  }
  if (overlap === 0) return 0
  const precision = overlap / candidate.length
  const recall = overlap / reference.length
  return (2 * precision * recall) / (precision + recall)
}

/** 1 − word-level Levenshtein distance / longer length. */
export function editSimilarity(candidate: string[], reference: string[]): number {
  const longer = Math.max(candidate.length, reference.length)
  if (longer === 0) return 1
  const ids = new Map<string, number>()
  const id = (word: string): number => {
    let value = ids.get(word)
    if (value === undefined) {
      value = ids.size
      ids.set(word, value)
    }
    return value
  }
  const a = Int32Array.from(candidate, id)
  const b = Int32Array.from(reference, id)
  let previous = new Int32Array(b.length + 1).map((_, index) => index)
  let current = new Int32Array(b.length + 1)
  for (let i = 1; i <= a.length; i++) {
    current[0] = i
    const word = a[i - 1]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (word === b[j - 1] ? 0 : 1)
      const deletion = (previous[j] as number) + 1
      const insertion = (current[j - 1] as number) + 1
      current[j] = Math.min(substitution, deletion, insertion)
    }
    ;[previous, current] = [current, previous]
  }
  return 1 - (previous[b.length] as number) / longer
}

/** The little of pdfjs-dist the baseline uses (the package is a dependency of the server, not of the benchmarks). */
interface Pdfjs {
  getDocument(options: { data: Uint8Array; verbosity: number }): {
    promise: Promise<{
      numPages: number
      getPage(
        number: number,
      ): Promise<{ getTextContent(): Promise<{ items: Array<{ str?: string; hasEOL?: boolean }> }> }>
      destroy(): Promise<void>
    }>
  }
}

const serverRequire = createRequire(createRequire(import.meta.url).resolve('@numarkdown/server/package.json'))

/** The raw text a user would get without layout analysis: pdfjs text items, mammoth raw text, HTML without tags. */
async function rawText(path: string): Promise<string> {
  const extension = extname(path)
  if (extension === '.pdf') {
    const pdfjs = (await import(
      pathToFileURL(serverRequire.resolve('pdfjs-dist/legacy/build/pdf.mjs')).href
    )) as Pdfjs
    const document = await pdfjs.getDocument({ data: new Uint8Array(await readFile(path)), verbosity: 0 })
      .promise
    const pages: string[] = []
    for (let number = 1; number <= document.numPages; number++) {
      const content = await (await document.getPage(number)).getTextContent()
      pages.push(
        content.items
          .map((item) => (item.str === undefined ? '' : item.str + (item.hasEOL ? '\n' : ' ')))
          .join(''),
      )
    }
    await document.destroy()
    return pages.join('\n')
  }
  if (extension === '.docx') {
    const mammoth = serverRequire('mammoth') as {
      extractRawText(input: { path: string }): Promise<{ value: string }>
    }
    return (await mammoth.extractRawText({ path })).value
  }
  const html = await readFile(path, 'utf8')
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z#0-9]+;/gi, ' ')
}

function referencePath(document: string): string {
  return join(corpus, document.endsWith('.pdf') ? document.replace(/\.pdf$/, '.md') : `${document}.md`)
}

function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length
}

const fixed = (value: number): string => value.toFixed(3)

interface Scored {
  document: string
  kind: 'pdf' | 'docx' | 'html' | 'ocr'
  pages: number
  ocrPages: number
  milliseconds: number
  cpuMilliseconds: number
  f1: number
  edit: number
  baselineF1: number
  baselineEdit: number
}

async function convert(engine: Engine, path: string, dpi: number) {
  const started = performance.now()
  const cpu = process.cpuUsage()
  const output = await engine.convert(
    {
      path,
      filename: basename(path),
      contentType: 'application/octet-stream',
      size: (await stat(path)).size,
    },
    { temperature: 0, rasterizationDPI: dpi, maxOutputTokens: 0 },
    new AbortController().signal,
  )
  const used = process.cpuUsage(cpu)
  return {
    output,
    milliseconds: performance.now() - started,
    cpuMilliseconds: (used.user + used.system) / 1000,
  }
}

/** Scores the documents and measures speed; `quick` scores two small documents and skips the OCR timing. */
export async function runLocalEngineBenchmark(
  createEngine: ServerWithLocalEngine['localEngine'],
  quick: boolean,
): Promise<BenchmarkReport> {
  const available = await readdir(corpus).catch(() => skip(`the corpus is missing at ${corpus}`))
  const documents = quick
    ? quickDocuments
    : available.filter(
        (name) => /\.(pdf|docx|html)$/.test(name) && available.includes(basename(referencePath(name))),
      )
  const engine = createEngine()
  const scored: Scored[] = []
  try {
    for (const document of documents) {
      const path = join(corpus, document)
      const reference = words(await readFile(referencePath(document), 'utf8'))
      // The first pass warms pdfjs, the JIT and the OCR workers up; the best of the next two is the one timed.
      await convert(engine, path, 150)
      const runs = [await convert(engine, path, 150), await convert(engine, path, 150)]
      const { output } = runs[1] as (typeof runs)[number]
      const milliseconds = Math.min(...runs.map((run) => run.milliseconds))
      const cpuMilliseconds = Math.min(...runs.map((run) => run.cpuMilliseconds))
      const ocrPages = Number(/(\d+) rendered/.exec(output.reasoning)?.[1] ?? 0)
      const candidate = words(output.result)
      const baseline = words(await rawText(path))
      scored.push({
        document,
        kind: document === ocrDocument ? 'ocr' : (extname(document).slice(1) as 'pdf' | 'docx' | 'html'),
        pages: output.pageCount ?? 1,
        ocrPages,
        milliseconds,
        cpuMilliseconds,
        f1: tokenF1(candidate, reference),
        edit: editSimilarity(candidate, reference),
        baselineF1: tokenF1(baseline, reference),
        baselineEdit: editSimilarity(baseline, reference),
      })
    }
  } finally {
    await engine.close?.()
  }

  const rows: BenchmarkRow[] = []
  const groups: Array<{ kind: Scored['kind']; label: string; target: number }> = [
    { kind: 'pdf', label: 'PDFs with a text layer', target: 0.97 },
    { kind: 'docx', label: 'DOCX', target: 0.95 },
    { kind: 'html', label: 'HTML', target: 0.95 },
    { kind: 'ocr', label: ocrDocument, target: 0.95 },
  ]
  for (const group of groups) {
    const members = scored.filter((entry) => entry.kind === group.kind)
    if (members.length === 0) continue
    const f1 = mean(members.map((entry) => entry.f1))
    rows.push({
      metric: `mean token F1, ${group.label} (${members.length})`,
      ours: f1,
      baseline: mean(members.map((entry) => entry.baselineF1)),
      baselineName: 'raw text layer',
      unit: 'F1',
      target: `≥ ${group.target}`,
      pass: f1 >= group.target,
    })
    rows.push({
      metric: `mean edit similarity, ${group.label} (${members.length})`,
      ours: mean(members.map((entry) => entry.edit)),
      baseline: mean(members.map((entry) => entry.baselineEdit)),
      baselineName: 'raw text layer',
      unit: 'similarity',
    })
  }
  const textOnly = scored.filter((entry) => entry.kind === 'pdf' && entry.ocrPages === 0)
  if (textOnly.length > 0) {
    const pages = textOnly.reduce((sum, entry) => sum + entry.pages, 0)
    const perPage = textOnly.reduce((sum, entry) => sum + entry.cpuMilliseconds, 0) / pages
    rows.push({
      metric: `CPU time per text-layer page (${pages} pages, warm, best of 2)`,
      ours: perPage,
      unit: 'ms',
      target: '≤ 50 ms',
      pass: perPage <= 50,
    })
    rows.push({
      metric: `wall time per text-layer page (${pages} pages, warm, best of 2)`,
      ours: textOnly.reduce((sum, entry) => sum + entry.milliseconds, 0) / pages,
      unit: 'ms',
    })
    // Font weights cost an operator list per page that brings a new font.
    const weighted = createEngine({ fontWeights: true })
    try {
      let cpuMilliseconds = 0
      for (const entry of textOnly) {
        const path = join(corpus, entry.document)
        await convert(weighted, path, 150)
        const first = (await convert(weighted, path, 150)).cpuMilliseconds
        cpuMilliseconds += Math.min(first, (await convert(weighted, path, 150)).cpuMilliseconds)
      }
      rows.push({
        metric: `CPU time per text-layer page with fontWeights: true (${pages} pages, warm, best of 2)`,
        ours: cpuMilliseconds / pages,
        unit: 'ms',
      })
    } finally {
      await weighted.close?.()
    }
  }
  if (!quick) {
    // One worker, one page: the time is the cost of a page on one core.
    const single = createEngine({ ocrWorkers: 1 })
    try {
      const path = join(corpus, ocrDocument)
      await convert(single, path, 150)
      const runs: Array<{ milliseconds: number; cpuMilliseconds: number }> = []
      for (let run = 0; run < 3; run++) runs.push(await convert(single, path, 150))
      const cpuPerPage = Math.min(...runs.map((run) => run.cpuMilliseconds)) / 1000
      rows.push({
        metric: 'OCR CPU time per page at 150 DPI (render + OCR, one worker, best of 3)',
        ours: cpuPerPage,
        unit: 's',
        target: '≤ 2.5 s',
        pass: cpuPerPage <= 2.5,
      })
      rows.push({
        metric: 'OCR wall time per page at 150 DPI (one worker, best of 3)',
        ours: Math.min(...runs.map((run) => run.milliseconds)) / 1000,
        unit: 's',
      })
    } finally {
      await single.close?.()
    }
  }
  const notes = [
    'Scoring: NFKC, lowercase, non-letters/digits → spaces (strips markdown syntax), split on whitespace; token F1 on word bags,',
    'edit similarity = 1 − word Levenshtein / longer length. Baseline: pdfjs text items joined, mammoth raw text, HTML with tags removed.',
    `Machine: ${availableParallelism()} cores, shared (load average ${loadavg()[0]?.toFixed(1)} at the end). Each document is converted three times: the first warms up, the best of the other two is timed. CPU time counts all threads of the process (OCR workers included); targets are judged on CPU time because wall time on a shared machine measures the neighbours.`,
    '',
    '| document | pages (OCR) | F1 | baseline F1 | edit sim. | baseline edit sim. | wall ms/page | CPU ms/page |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...scored.map(
      (entry) =>
        `| ${entry.document} | ${entry.pages} (${entry.ocrPages}) | ${fixed(entry.f1)} | ${fixed(entry.baselineF1)} | ${fixed(entry.edit)} | ${fixed(entry.baselineEdit)} | ${Math.round(entry.milliseconds / entry.pages)} | ${Math.round(entry.cpuMilliseconds / entry.pages)} |`,
    ),
  ]
  return { name: 'local-engine', rows, notes }
}

const benchmark: Benchmark = {
  name: 'local-engine',
  description:
    'the offline local engine on the docling corpus: token F1, edit similarity and speed vs the raw text layer',
  async run({ quick }) {
    const server = await importOrSkip<ServerWithLocalEngine>('@numarkdown/server', ['localEngine'])
    return runLocalEngineBenchmark((options) => server.localEngine(options), quick)
  },
}

export default benchmark

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  const report = await benchmark.run({ quick: process.argv.includes('--quick') })
  for (const row of report.rows) {
    console.log(
      `${row.metric}: ${row.ours.toFixed(3)} ${row.unit}${row.baseline === undefined ? '' : ` (baseline ${row.baseline.toFixed(3)})`}${row.target ? ` target ${row.target} ${row.pass ? 'pass' : 'MISS'}` : ''}`,
    )
  }
  for (const line of report.notes ?? []) console.log(line)
}
