/**
 * Turns the inputs as typed (files, folders, quoted globs, `-`) into the documents to convert, each with the
 * relative name its output is named after, and one problem line for each input that names nothing to convert
 * (a missing file, a folder without documents, a glob that matches nothing). Folders are searched with
 * tinyglobby for the extensions numarkdown-watch takes; globs name files as a shell would.
 */
import { stat } from 'node:fs/promises'
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { glob, isDynamicPattern } from 'tinyglobby'
import { folderExtensions } from './document-type.js'

/** A document to convert. */
export type Source =
  | {
      kind: 'file'
      /** Absolute path. */
      path: string
      /** How to name it in messages: the path as the user typed it (or under the folder they typed). */
      display: string
      /** The relative path its outputs are named after (`/`-separated), like numarkdown-watch's inbox paths. */
      name: string
    }
  | {
      /** Standard input, or a pipe named as a file (`<(curl …)`): read once, as a stream. */
      kind: 'stream'
      /** Absent for stdin. */
      path?: string
      display: string
      /** Without an extension: the detected type adds it (`stdin` → `stdin.png`). */
      name: string
    }

/** An input that names nothing to convert, and why. */
export interface InputProblem {
  display: string
  message: string
}

export interface ExpandedInputs {
  sources: Source[]
  problems: InputProblem[]
}

/** Names that are never documents in a folder: office lock files (dotfiles are skipped already). */
const folderIgnore = ['**/~$*']

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'no such file or folder'
  if (code === 'EACCES' || code === 'EPERM') return `cannot read it: permission denied (${code})`
  if (code === 'ELOOP') return 'a symbolic link that loops'
  return error instanceof Error ? error.message : String(error)
}

/** The static folder a glob starts from (`docs` for `docs/**\/*.pdf`) and the pattern below it. */
function splitGlob(pattern: string): { base: string; rest: string } {
  const segments = pattern.split('/')
  const staticSegments: string[] = []
  while (segments.length > 1 && !isDynamicPattern(segments[0]!)) staticSegments.push(segments.shift()!)
  const base = staticSegments.join('/')
  return { base: base === '' && pattern.startsWith('/') ? '/' : base, rest: segments.join('/') }
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/')
}

function displayJoin(typed: string, relativePath: string): string {
  if (typed === '' || typed === '.') return relativePath
  return typed.endsWith('/') ? `${typed}${relativePath}` : `${typed}/${relativePath}`
}

/**
 * Expands the inputs. `outputFolder` (absolute), when it lies inside a folder being searched, is left out of
 * the search, so that a second run does not take the first run's outputs as inputs.
 */
export async function expandInputs(
  inputs: readonly string[],
  options: { cwd: string; outputFolder?: string },
): Promise<ExpandedInputs> {
  const sources: Source[] = []
  const problems: InputProblem[] = []
  const seen = new Set<string>()
  const addFile = (path: string, display: string, name: string) => {
    if (seen.has(path)) return
    seen.add(path)
    sources.push({ kind: 'file', path, display, name })
  }

  for (const input of inputs) {
    if (input === '-') {
      sources.push({ kind: 'stream', display: 'stdin', name: 'stdin' })
      continue
    }
    const path = resolve(options.cwd, input)
    let stats: Awaited<ReturnType<typeof stat>> | undefined
    try {
      stats = await stat(path)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if ((code === 'ENOENT' || code === 'ENOTDIR') && isDynamicPattern(input)) {
        const { base, rest } = splitGlob(input)
        const root = resolve(options.cwd, base)
        const matches = await glob(rest, { cwd: root, onlyFiles: true, dot: false, expandDirectories: false })
        if (matches.length === 0) problems.push({ display: input, message: 'no file matches this pattern' })
        for (const match of matches.sort()) addFile(join(root, match), displayJoin(base, match), match)
        continue
      }
      problems.push({ display: input, message: describeFsError(error) })
      continue
    }
    if (stats.isDirectory()) {
      const ignore = [...folderIgnore]
      if (options.outputFolder !== undefined) {
        const inside = relative(path, options.outputFolder)
        if (inside === '') continue
        const outside = inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)
        if (!outside) ignore.push(`${toPosix(inside)}/**`)
      }
      const matches = await glob(`**/*.{${folderExtensions.join(',')}}`, {
        cwd: path,
        onlyFiles: true,
        dot: false,
        caseSensitiveMatch: false,
        expandDirectories: false,
        ignore,
      })
      if (matches.length === 0) {
        problems.push({
          display: input,
          message: `no documents in this folder (looked for ${folderExtensions.map((extension) => `.${extension}`).join(' ')})`,
        })
      }
      for (const match of matches.sort()) addFile(join(path, match), displayJoin(input, match), match)
    } else if (stats.isFIFO() || stats.isCharacterDevice() || stats.isSocket()) {
      sources.push({ kind: 'stream', path, display: input, name: basename(path) })
    } else {
      addFile(path, input, basename(path))
    }
  }
  return { sources, problems }
}
