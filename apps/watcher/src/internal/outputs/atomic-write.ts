import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { mkdir, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { within } from '../path-containment.js'
import { OutputError } from './output-error.js'
import { truncateUtf8 } from './utf8-truncate.js'

/** The names `writeFileAtomic` gives its temp files. */
const temporaryName = /^\..+\.[0-9a-f]{12}\.tmp$/

/** The temp files of the writes in progress, for an exit that cannot wait for them to end. */
const inProgress = new Set<string>()

/**
 * Remove the temp files of the writes still in progress, synchronously: for a process about to exit at once
 * (a second Ctrl-C), which must leave no temp file behind.
 */
export function removeTemporaryFilesSync(): void {
  for (const path of inProgress) rmSync(path, { force: true })
  inProgress.clear()
}

async function syncFolder(folder: string): Promise<void> {
  // A rename is durable only once the folder holding it is on disk. Some file systems refuse to open or
  // fsync a folder; the data itself is already synced then.
  const handle = await open(folder, 'r').catch(() => undefined)
  if (!handle) return
  try {
    await handle.sync()
  } catch {
  } finally {
    await handle.close()
  }
}

/**
 * Write `content` to `target` so that a reader sees either the old file or the whole new one, never a
 * part: a temp file in the same folder (a dotfile, so watchers ignore it), fsync, rename, fsync the folder.
 * The folder must resolve (after symlinks) inside `root`. Every failure is an {@link OutputError}: the
 * output side, not the document, is at fault; the temp file is removed.
 */
export async function writeFileAtomic(
  root: string,
  target: string,
  content: string | Uint8Array,
): Promise<void> {
  const folder = dirname(target)
  try {
    await mkdir(folder, { recursive: true })
    const realRoot = await realpath(root)
    const realFolder = await realpath(folder)
    if (!within(realRoot, realFolder)) {
      throw new OutputError(`refusing to write outside ${root}: ${target} resolves to ${realFolder}`, {
        folder,
        code: 'OUTSIDE_OUT',
      })
    }
  } catch (error) {
    throw OutputError.wrap(error, folder)
  }
  // The temp name is kept short (in bytes): the target's own name may already be near the 255-byte limit.
  const temporary = join(
    folder,
    `.${truncateUtf8(basename(target), 100)}.${randomBytes(6).toString('hex')}.tmp`,
  )
  inProgress.add(temporary)
  try {
    const handle = await open(temporary, 'wx', 0o644)
    try {
      await handle.writeFile(content)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temporary, target)
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {})
    throw OutputError.wrap(error, folder)
  } finally {
    inProgress.delete(temporary)
  }
  await syncFolder(folder)
}

/**
 * Remove, under `folder`, the temp files of writes whose process was killed before the rename. With
 * `minimumAgeMs` (a folder other watchers write to at the same time), only those older than that: a younger
 * one may be another process's write in progress.
 */
export async function removeStaleTemporaryFiles(folder: string, minimumAgeMs = 0): Promise<void> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => [])
  for (const entry of entries) {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) await removeStaleTemporaryFiles(path, minimumAgeMs)
    else if (entry.isFile() && temporaryName.test(entry.name)) {
      if (minimumAgeMs > 0) {
        const stats = await stat(path).catch(() => undefined)
        if (!stats || Date.now() - stats.mtimeMs < minimumAgeMs) continue
      }
      await rm(path, { force: true })
    }
  }
}
