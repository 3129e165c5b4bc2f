import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export { redisAvailable, redisServerPath, startTestRedis, type TestRedis } from '@numarkdown/test-redis'
export { type EventuallyOptions, eventually } from './eventually.ts'
export { makePdf } from './pdf.ts'
export { createdJobs, startTestServer, type TestServer, testToken } from './server.ts'
export { nextSubmitted, type Setup, setup, type TestClient, type TestClientOptions } from './setup.ts'

/** The root of the repository. */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/**
 * The shared test corpus: `shared/corpus` beside the repository, or beside the folder holding it (a git worktree
 * checked out one level deeper).
 */
const corpusRoot: string =
  ['../shared/corpus', '../../shared/corpus']
    .map((relative) => resolve(repoRoot, relative))
    .find((candidate) => existsSync(candidate)) ?? resolve(repoRoot, '../shared/corpus')

/** Path of a document of the shared test corpus, e.g. `corpusPath('multi_page.pdf')`. */
export function corpusPath(name: string): string {
  return resolve(corpusRoot, 'docling', name)
}

/** A temporary folder removed by the returned `[Symbol.asyncDispose]`/`remove()`. */
export async function tempDir(
  prefix = 'numarkdown-test-',
): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

/** Every file under `folder` (dotfiles included), relative and `/`-separated, sorted; none when it is missing. */
export async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .sort()
}
