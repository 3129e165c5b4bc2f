/**
 * The local engine on two corpora: the shared docling corpus (`../shared/corpus/docling/`: PDFs, DOCX and HTML
 * with reference markdown) and a corpus generated for its known defect classes (`src/corpus/generated-corpus.ts`:
 * tables whose cells hold breaks and nested tables, rotated scans, CJK through predefined CMaps, short text layers,
 * forms, DOCX equations, charts and numbering). For each document type: token F1 and edit similarity beside the
 * raw text (the baseline a user gets without layout analysis), whether the engine beats the raw text on every
 * document with a table, and the time per page of text-layer pages and of OCR pages.
 *
 * Scoring is described in `src/internal/text-scores.ts`. `--quick` scores two docling documents and the generated
 * documents that need no OCR, and skips the OCR timings.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { availableParallelism, loadavg } from 'node:os'
import { basename, extname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { benchDirectory } from '../internal/files.ts'
import { importOrSkip } from '../internal/packages.ts'
import { editSimilarity, tokenF1, words } from '../internal/text-scores.ts'
import type { Benchmark, BenchmarkReport, BenchmarkRow } from '../report.ts'

/** The shared corpus beside the repository, or where `NUMARKDOWN_DOCLING_CORPUS` says (a worktree elsewhere). */
const doclingFolder =
  process.env.NUMARKDOWN_DOCLING_CORPUS ??
  fileURLToPath(new URL('../../../../shared/corpus/docling/', import.meta.url))
const quickDoclingDocuments = ['multi_page.pdf', 'word_sample.docx']
const doclingScan = 'ocr_test.pdf'
/** The DPI a job gets when it names none (API.md). */
const defaultDpi = 170

type Kind = 'pdf' | 'docx' | 'html' | 'scan'

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
  ): Promise<{
    result: string
    reasoning: string
    rawResponse?: string
    pageCount?: number
    warnings?: string[]
  }>
  close?(): Promise<void>
}
type EngineFactory = (options?: { ocrWorkers?: number; fontWeights?: boolean }) => Engine
interface ServerWithLocalEngine {
  localEngine: EngineFactory
}

/** A document to score, from either corpus. */
interface CorpusEntry {
  corpus: 'docling' | 'generated'
  name: string
  path: string
  kind: Kind
  table: boolean
  defect?: string
  reference: string
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

/**
 * The raw text a user would get without layout analysis: pdfjs text items (no CMap files: what a bare pdfjs call
 * reads), mammoth raw text, HTML without tags. A scan has no text layer: its raw text is empty.
 */
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

function doclingReference(document: string): string {
  return join(doclingFolder, document.endsWith('.pdf') ? document.replace(/\.pdf$/, '.md') : `${document}.md`)
}

async function doclingEntries(quick: boolean, notes: string[]): Promise<CorpusEntry[]> {
  const available = await readdir(doclingFolder).catch(() => undefined)
  if (!available) {
    notes.push(
      `The docling corpus is missing at ${doclingFolder} (set NUMARKDOWN_DOCLING_CORPUS): only the generated corpus was scored.`,
    )
    return []
  }
  const names = quick
    ? quickDoclingDocuments
    : available.filter(
        (name) => /\.(pdf|docx|html)$/.test(name) && available.includes(basename(doclingReference(name))),
      )
  return Promise.all(
    names.map(async (name) => {
      const reference = await readFile(doclingReference(name), 'utf8')
      const kind: Kind = name === doclingScan ? 'scan' : (extname(name).slice(1) as Kind)
      return {
        corpus: 'docling' as const,
        name,
        path: join(doclingFolder, name),
        kind,
        table: /^\|/m.test(reference),
        reference,
      }
    }),
  )
}

interface GeneratedDocument {
  name: string
  kind: Kind
  defect: string
  table: boolean
  build(): Promise<Uint8Array>
  reference: string
}

async function generatedEntries(folder: string, quick: boolean): Promise<CorpusEntry[]> {
  // The corpus imports the server's test-document generators from source (they are not part of its dist).
  const { generatedCorpus } = (await import('../corpus/generated-corpus.ts')) as {
    generatedCorpus: readonly GeneratedDocument[]
  }
  const entries: CorpusEntry[] = []
  for (const document of generatedCorpus) {
    // The quick run leaves out what needs OCR.
    if (quick && (document.kind === 'scan' || document.name === 'cover-and-scan.pdf')) continue
    const path = join(folder, document.name)
    await writeFile(path, await document.build())
    entries.push({
      corpus: 'generated',
      name: document.name,
      path,
      kind: document.kind,
      table: document.table,
      defect: document.defect,
      reference: document.reference,
    })
  }
  return entries
}

function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length
}

const fixed = (value: number): string => value.toFixed(3)

interface Scored extends CorpusEntry {
  pages: number
  ocrPages: number
  f1: number
  edit: number
  baselineF1: number
  baselineEdit: number
  warnings: number
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

/** Best CPU and wall time of `runs` conversions after one to warm up. */
async function timed(engine: Engine, path: string, dpi: number, runs: number) {
  await convert(engine, path, dpi)
  let best = { milliseconds: Number.POSITIVE_INFINITY, cpuMilliseconds: Number.POSITIVE_INFINITY }
  for (let run = 0; run < runs; run++) {
    const { milliseconds, cpuMilliseconds } = await convert(engine, path, dpi)
    best = {
      milliseconds: Math.min(best.milliseconds, milliseconds),
      cpuMilliseconds: Math.min(best.cpuMilliseconds, cpuMilliseconds),
    }
  }
  return best
}

const targets: Record<Kind, { label: string; target: number }> = {
  pdf: { label: 'PDFs with a text layer', target: 0.96 },
  docx: { label: 'DOCX', target: 0.95 },
  html: { label: 'HTML', target: 0.97 },
  scan: { label: 'scans (OCR)', target: 0.9 },
}

function qualityRows(scored: Scored[], corpus: CorpusEntry['corpus']): BenchmarkRow[] {
  const rows: BenchmarkRow[] = []
  for (const kind of ['pdf', 'docx', 'html', 'scan'] as const) {
    const members = scored.filter((entry) => entry.corpus === corpus && entry.kind === kind)
    if (members.length === 0) continue
    const { label, target } = targets[kind]
    const f1 = mean(members.map((entry) => entry.f1))
    rows.push({
      metric: `${corpus}: mean token F1, ${label} (${members.length})`,
      ours: f1,
      baseline: mean(members.map((entry) => entry.baselineF1)),
      baselineName: 'raw text',
      unit: 'F1',
      target: `≥ ${target}`,
      pass: f1 >= target,
    })
    rows.push({
      metric: `${corpus}: mean edit similarity, ${label} (${members.length})`,
      ours: mean(members.map((entry) => entry.edit)),
      baseline: mean(members.map((entry) => entry.baselineEdit)),
      baselineName: 'raw text',
      unit: 'similarity',
    })
  }
  return rows
}

/** Scores both corpora and measures speed; `quick` keeps to documents that need no OCR and skips OCR timings. */
export async function runLocalEngineBenchmark(
  createEngine: EngineFactory,
  quick: boolean,
): Promise<BenchmarkReport> {
  const folder = await benchDirectory('local-engine')
  const engine = createEngine()
  const scored: Scored[] = []
  const rows: BenchmarkRow[] = []
  const missing: string[] = []
  try {
    const entries = [
      ...(await doclingEntries(quick, missing)),
      ...(await generatedEntries(folder.path, quick)),
    ]
    // The first conversion starts pdfjs and the JIT; it is not scored twice.
    await convert(engine, entries[0]?.path ?? '', 150)
    for (const entry of entries) {
      const { output } = await convert(engine, entry.path, 150)
      const reference = words(entry.reference)
      const candidate = words(output.result)
      const baseline = words(await rawText(entry.path))
      scored.push({
        ...entry,
        pages: output.pageCount ?? 1,
        ocrPages: Number(/(\d+) rendered/.exec(output.reasoning)?.[1] ?? (entry.kind === 'scan' ? 1 : 0)),
        f1: tokenF1(candidate, reference),
        edit: editSimilarity(candidate, reference),
        baselineF1: tokenF1(baseline, reference),
        baselineEdit: editSimilarity(baseline, reference),
        warnings: output.warnings?.length ?? 0,
      })
    }
    rows.push(...qualityRows(scored, 'docling'), ...qualityRows(scored, 'generated'))
    const rotated = scored.filter((entry) => entry.corpus === 'generated' && /turned-\d+/.test(entry.name))
    if (rotated.length > 0) {
      const f1 = mean(rotated.map((entry) => entry.f1))
      rows.push({
        metric: `generated: mean token F1, scans turned 90/180/270 (${rotated.length})`,
        ours: f1,
        baseline: mean(rotated.map((entry) => entry.baselineF1)),
        baselineName: 'raw text',
        unit: 'F1',
        target: '≥ 0.9',
        pass: f1 >= 0.9,
      })
    }
    const withTables = scored.filter((entry) => entry.table && entry.kind !== 'scan')
    const beaten = withTables.filter((entry) => entry.f1 > entry.baselineF1 || entry.f1 === 1)
    rows.push({
      metric: `documents with a table scoring above their raw text, or perfectly (${withTables.length})`,
      ours: beaten.length,
      unit: 'documents',
      target: `= ${withTables.length}`,
      pass: beaten.length === withTables.length,
    })

    // Speed of text-layer pages: the PDFs that need no OCR, warm, best of 2.
    const textOnly = scored.filter((entry) => entry.kind === 'pdf' && entry.ocrPages === 0)
    if (textOnly.length > 0) {
      const pages = textOnly.reduce((sum, entry) => sum + entry.pages, 0)
      let cpuMilliseconds = 0
      let milliseconds = 0
      for (const entry of textOnly) {
        const best = await timed(engine, entry.path, 150, 2)
        cpuMilliseconds += best.cpuMilliseconds
        milliseconds += best.milliseconds
      }
      rows.push({
        metric: `CPU time per text-layer page (${pages} pages, warm, best of 2)`,
        ours: cpuMilliseconds / pages,
        unit: 'ms',
        target: '≤ 100 ms',
        pass: cpuMilliseconds / pages <= 100,
      })
      rows.push({
        metric: `wall time per text-layer page (${pages} pages)`,
        ours: milliseconds / pages,
        unit: 'ms',
      })
      // Font weights cost an operator list per page that brings a new font.
      const weighted = createEngine({ fontWeights: true })
      try {
        let weightedCpu = 0
        for (const entry of textOnly)
          weightedCpu += (await timed(weighted, entry.path, 150, 2)).cpuMilliseconds
        rows.push({
          metric: `CPU time per text-layer page with fontWeights: true (${pages} pages, best of 2)`,
          ours: weightedCpu / pages,
          unit: 'ms',
        })
      } finally {
        await weighted.close?.()
      }
    }
  } finally {
    await engine.close?.()
  }

  if (!quick) {
    // OCR pages at the API's default DPI, on two workers as a server on this machine's two cores runs them: four
    // upright scanned pages (the usual case: read as they lie), and four turned ones (detected, turned, read).
    const { makeScanPdf, makeScanPng, scanSentences } = (await import(
      '../../../packages/server/src/engines/local/test-scans.ts'
    )) as typeof import('../../../packages/server/src/engines/local/test-scans.ts')
    const sets = [
      { label: 'upright', rotations: [0, 0, 0, 0] as const, target: true },
      { label: 'turned 90/180/270/90', rotations: [90, 180, 270, 90] as const, target: false },
    ]
    const pair = createEngine({ ocrWorkers: 2 })
    try {
      for (const set of sets) {
        const path = join(folder.path, `ocr-timing-${set.rotations.join('-')}.pdf`)
        await writeFile(
          path,
          await makeScanPdf(set.rotations.map((rotation) => makeScanPng([...scanSentences], { rotation }))),
        )
        const best = await timed(pair, path, defaultDpi, 1)
        const wall = best.milliseconds / 4000
        rows.push({
          metric: `OCR wall time per page at ${defaultDpi} DPI, ${set.label} scans (4 pages, 2 workers)`,
          ours: wall,
          unit: 's',
          ...(set.target ? { target: '≤ 2 s', pass: wall <= 2 } : {}),
        })
        rows.push({
          metric: `OCR CPU time per page at ${defaultDpi} DPI, ${set.label} scans (render, orientation, OCR; all threads)`,
          ours: best.cpuMilliseconds / 4000,
          unit: 's',
        })
      }
    } finally {
      await pair.close?.()
    }
  }
  await folder.remove()

  const notes = [
    ...missing,
    'Scoring: NFKC, lowercase, non-letters/digits → spaces (strips markdown syntax), split on whitespace; token F1 on word bags,',
    'edit similarity = 1 − word Levenshtein / longer length. Raw text: pdfjs text items (no CMap files), mammoth raw text, HTML',
    'with tags removed; a scan has no text layer, so its raw text is empty.',
    `Machine: ${availableParallelism()} cores, shared (load average ${loadavg()[0]?.toFixed(1)} at the end). Quality from one conversion at 150 DPI after a warm-up; text-layer speed is the best of two warm runs; CPU time counts all threads of the process.`,
    '',
    '| corpus | document | type | defect class | pages (OCR) | F1 | raw F1 | edit sim. | raw edit sim. | warnings |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...scored.map(
      (entry) =>
        `| ${entry.corpus} | ${entry.name} | ${entry.kind} | ${entry.defect ?? ''} | ${entry.pages} (${entry.ocrPages}) | ${fixed(entry.f1)} | ${fixed(entry.baselineF1)} | ${fixed(entry.edit)} | ${fixed(entry.baselineEdit)} | ${entry.warnings} |`,
    ),
  ]
  return { name: 'local-engine', rows, notes }
}

const benchmark: Benchmark = {
  name: 'local-engine',
  description:
    'the offline local engine on the docling corpus and a generated one: token F1 and edit similarity vs the raw text, per type; speed per page',
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
      `${row.metric}: ${row.ours.toFixed(3)} ${row.unit}${row.baseline === undefined ? '' : ` (raw text ${row.baseline.toFixed(3)})`}${row.target ? ` target ${row.target} ${row.pass ? 'pass' : 'MISS'}` : ''}`,
    )
  }
  for (const line of report.notes ?? []) console.log(line)
}
