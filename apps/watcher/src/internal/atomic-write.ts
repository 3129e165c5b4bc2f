import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, realpath, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { within } from './path-containment.js'

/** The names `writeFileAtomic` gives its temp files. */
const TEMPORARY_NAME = /^\..+\.[0-9a-f]{12}\.tmp$/

async function syncFolder(folder: string): Promise<void> {
  // A rename is durable only once the folder holding it is on disk.
  const handle = await open(folder, 'r')
  try {
    await handle.sync()
  } catch {
    // Some file systems refuse fsync on folders; the data itself is already synced.
  } finally {
    await handle.close()
  }
}

/**
 * Write `content` to `target` so that a reader sees either the old file or the whole new one, never a
 * part: a temp file in the same folder (a dotfile, so watchers ignore it), fsync, rename, fsync the folder.
 * The folder must resolve (after symlinks) inside `root`.
 */
export async function writeFileAtomic(
  root: string,
  target: string,
  content: string | Uint8Array,
): Promise<void> {
  const folder = dirname(target)
  await mkdir(folder, { recursive: true })
  const realRoot = await realpath(root)
  const realFolder = await realpath(folder)
  if (!within(realRoot, realFolder)) {
    throw new Error(`refusing to write outside ${root}: ${target} resolves to ${realFolder}`)
  }
  const temporary = join(folder, `.${basename(target).slice(0, 100)}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temporary, 'wx', 0o644)
  try {
    await handle.writeFile(content)
    await handle.sync()
  } catch (error) {
    await handle.close().catch(() => {})
    await rm(temporary, { force: true })
    throw error
  }
  await handle.close()
  try {
    await rename(temporary, target)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
  await syncFolder(folder)
}

/** Remove, under `folder`, the temp files of writes whose process was killed before the rename. */
export async function removeStaleTemporaryFiles(folder: string): Promise<void> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => [])
  for (const entry of entries) {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) await removeStaleTemporaryFiles(path)
    else if (entry.isFile() && TEMPORARY_NAME.test(entry.name)) await rm(path, { force: true })
  }
}
