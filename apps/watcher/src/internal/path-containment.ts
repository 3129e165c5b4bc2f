import { relative, sep } from 'node:path'

/** True when `path` is `root` itself or lies below it (both absolute, already resolved as the caller needs). */
export function within(root: string, path: string): boolean {
  const back = relative(root, path)
  return back === '' || !(back === '..' || back.startsWith(`..${sep}`) || back.startsWith(sep))
}
