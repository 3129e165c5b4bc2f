/**
 * Where each document's result goes: stdout, the file given with `-o`, or a file in the `-o` folder named like
 * numarkdown-watch names its outputs (the source's relative path plus `.md`, so that `a.pdf` and `a.docx` never
 * share an output; `<name>.reasoning.md` beside it), or `<stem>.md` with `--stem-names`. The rule for safe
 * relative paths is the watcher's own (`numarkdown-watch/outputs`): no `..`, no absolute parts, no control
 * characters, a name shortened to fit the file system, and a short hash whenever a name had to change. Two
 * inputs that would write one file are a usage error, found before anything is converted.
 */
import { posix, resolve, sep } from 'node:path'
import { inside } from 'numarkdown-watch/outputs'
import { UsageError } from './usage-error.js'

/**
 * Where a result goes. A file named inside the `-o` folder carries that folder as `within`: it is written only
 * where the folder really is (symbolic links resolved).
 */
export type Destination = { kind: 'stdout' } | { kind: 'file'; path: string; within?: string }

/** The outputs of one document. */
export interface OutputPlan {
  /** The markdown, or the JSON with `--json`. */
  result: Destination
  /** `none`; `inline`: in an HTML comment before the markdown on stdout; or a file. */
  reasoning: { kind: 'none' } | { kind: 'inline' } | { kind: 'file'; path: string; within?: string }
}

/** `docs/a.pdf` → `docs/a`. */
function stem(name: string): string {
  const extension = posix.extname(name)
  return extension === '' ? name : name.slice(0, -extension.length)
}

/** What {@link planOutputs} needs to know about one document. */
export interface PlannedSource {
  display: string
  /** The relative name its outputs are named after. */
  name: string
}

/** The settings that decide the outputs. */
export interface OutputSettings {
  /** `-o` as typed. */
  output?: string
  /** Whether `-o` names an existing folder. */
  outputIsFolder: boolean
  /** Whether `-o` names an existing file (not a folder). */
  outputIsFile: boolean
  stemNames: boolean
  json: boolean
  reasoning: boolean | string
  cwd: string
}

/** The folder `-o` names when results go into a folder (`undefined` when they go to a file or stdout). */
export function outputFolderOf(settings: OutputSettings, documentCount: number): string | undefined {
  if (settings.output === undefined) return undefined
  const folderLike = settings.output.endsWith('/') || settings.output.endsWith(sep) || settings.outputIsFolder
  return folderLike || documentCount > 1 ? resolve(settings.cwd, settings.output) : undefined
}

/**
 * The outputs of every document, in order. Throws a {@link UsageError} when the outputs cannot be told apart
 * (many documents to stdout without `--json`, one `--reasoning=<file>` for many, two documents to one file).
 */
export function planOutputs(sources: readonly PlannedSource[], settings: OutputSettings): OutputPlan[] {
  const count = sources.length
  if (count === 0) return []
  const reasoningFile = typeof settings.reasoning === 'string' ? settings.reasoning : undefined
  if (reasoningFile !== undefined && count > 1) {
    throw new UsageError(
      `--reasoning=${reasoningFile} is one file for ${count} documents: use --reasoning with -o <folder>`,
    )
  }
  const folder = outputFolderOf(settings, count)
  if (settings.output === undefined) {
    if (count > 1 && !settings.json) {
      throw new UsageError(
        `${count} documents: give -o <folder> to write one file each, or --json for JSON lines on stdout`,
      )
    }
    return sources.map(() => ({
      result: { kind: 'stdout' },
      reasoning:
        reasoningFile !== undefined
          ? { kind: 'file', path: resolve(settings.cwd, reasoningFile) }
          : settings.reasoning === true
            ? { kind: 'inline' }
            : { kind: 'none' },
    }))
  }
  if (folder === undefined) {
    // One document into the file `-o` names.
    const path = resolve(settings.cwd, settings.output)
    const plan: OutputPlan = {
      result: { kind: 'file', path },
      reasoning:
        reasoningFile !== undefined
          ? { kind: 'file', path: resolve(settings.cwd, reasoningFile) }
          : settings.reasoning === true
            ? { kind: 'file', path: `${path.replace(/\.(md|markdown)$/i, '')}.reasoning.md` }
            : { kind: 'none' },
    }
    checkDistinct(sources, [plan], settings.stemNames)
    return sources.map(() => plan)
  }
  if (settings.outputIsFile) {
    throw new UsageError(
      `-o ${settings.output} is a file, but ${count} documents need a folder: give a folder name`,
    )
  }
  const plans = sources.map((source): OutputPlan => {
    const base = inside(folder, settings.stemNames ? stem(source.name) : source.name)
    return {
      result: { kind: 'file', path: `${base}${settings.json ? '.json' : '.md'}`, within: folder },
      reasoning:
        reasoningFile !== undefined
          ? { kind: 'file', path: resolve(settings.cwd, reasoningFile) }
          : settings.reasoning === true
            ? { kind: 'file', path: `${base}.reasoning.md`, within: folder }
            : { kind: 'none' },
    }
  })
  checkDistinct(sources, plans, settings.stemNames)
  return plans
}

function checkDistinct(
  sources: readonly PlannedSource[],
  plans: readonly OutputPlan[],
  stemNames: boolean,
): void {
  const owners = new Map<string, string>()
  plans.forEach((plan, index) => {
    const source = sources[index]!
    const paths = [plan.result, plan.reasoning].flatMap((destination) =>
      destination.kind === 'file' ? [destination.path] : [],
    )
    if (paths.length === 2 && paths[0] === paths[1]) {
      throw new UsageError(`${source.display}: the result and the reasoning would both go to ${paths[0]}`)
    }
    for (const path of paths) {
      const owner = owners.get(path)
      if (owner !== undefined) {
        throw new UsageError(
          `${owner} and ${source.display} would both write ${path}` +
            (stemNames
              ? ' (drop --stem-names, or convert them into different folders)'
              : ' (give their folders instead, or convert them into different folders)'),
        )
      }
      owners.set(path, source.display)
    }
  })
}
