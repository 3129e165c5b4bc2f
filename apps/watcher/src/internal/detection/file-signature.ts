/**
 * What tells that a file may have changed without reading it. The ctime too: a copy that keeps size and
 * mtime (`cp -p`, `rsync -t`) still gets a new ctime.
 */
export interface FileSignature {
  size: number
  mtimeMs: number
  ctimeMs: number
}

/** Only the signature fields of `stats` (a `Stats`, or anything carrying a signature). */
export function signatureOf(stats: FileSignature): FileSignature {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs }
}

export function sameSignature(a: FileSignature, b: FileSignature): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs
}
