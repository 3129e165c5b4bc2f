import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A temporary folder for one benchmark; `remove()` deletes it and everything in it. */
export async function benchDirectory(name: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `numarkdown-bench-${name}-`))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

/** A small markdown document (about `bytes` long) the scripted engine echoes back. */
export function smallDocument(index: number, bytes = 2048): string {
  const head = `# Document ${index}\n\n`
  const line = `Line of document ${index}: the quick brown fox jumps over the lazy dog.\n`
  return head + line.repeat(Math.max(1, Math.ceil((bytes - head.length) / line.length)))
}

/** Writes `count` small documents `doc-<i>.md` into `directory` and returns their paths. */
export async function writeSmallDocuments(directory: string, count: number): Promise<string[]> {
  const paths = Array.from({ length: count }, (_, index) => join(directory, `doc-${index}.md`))
  await Promise.all(paths.map((path, index) => writeFile(path, smallDocument(index))))
  return paths
}
