import { extname } from 'node:path'
import picomatch from 'picomatch'

/**
 * Names that are never documents: partial downloads, editor and office lock files, rsync's in-progress
 * `.name.XXXXXX`, and every dotfile (which also hides our own `.done`, `.failed` and temp files).
 */
const junk: RegExp[] = [
  /^\./,
  /^~\$/,
  /^~.*\.tmp$/i,
  /\.(part|partial|crdownload|download|tmp|temp|swp|swx|lock|filepart|opdownload)$/i,
  /^thumbs\.db$/i,
  /^desktop\.ini$/i,
  /~$/,
]

/** True for a file or folder name the watcher never takes. */
export function isJunkName(name: string): boolean {
  return junk.some((pattern) => pattern.test(name))
}

/** Decides which relative paths are documents to convert. */
export interface FileFilter {
  /** A folder (relative path, `/`-separated) to descend into. */
  folder(relativePath: string): boolean
  /** A file (relative path, `/`-separated) to take. */
  file(relativePath: string): boolean
}

export function createFileFilter(include: readonly string[], exclude: readonly string[]): FileFilter {
  const extensions = new Set(include.map((extension) => `.${extension.toLowerCase()}`))
  // A pattern with a slash matches the relative path; one without matches any name along it.
  const pathPatterns = exclude.filter((pattern) => pattern.includes('/'))
  const namePatterns = exclude.filter((pattern) => !pattern.includes('/'))
  const matchesPath = pathPatterns.length > 0 ? picomatch(pathPatterns, { dot: true }) : () => false
  const matchesName = namePatterns.length > 0 ? picomatch(namePatterns, { dot: true }) : () => false
  const excluded = (relativePath: string) =>
    matchesPath(relativePath) || relativePath.split('/').some((segment) => matchesName(segment))
  const segmentsOk = (relativePath: string) =>
    relativePath === '' || !relativePath.split('/').some((segment) => isJunkName(segment))
  return {
    folder: (relativePath) => relativePath === '' || (segmentsOk(relativePath) && !excluded(relativePath)),
    file: (relativePath) =>
      segmentsOk(relativePath) &&
      extensions.has(extname(relativePath).toLowerCase()) &&
      !excluded(relativePath),
  }
}
