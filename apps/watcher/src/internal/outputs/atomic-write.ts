/**
 * Outputs appear whole or not at all, only inside the output folder, and durably before the journal says so:
 * temp file, fsync, rename, folder fsync. What does not change during a run (the root's real path) is looked
 * up once, and writes into one folder at the same time share its fsync.
 */
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { type FileHandle, mkdir, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises'
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

/** Per folder: the sync that has not started yet (it covers every rename done so far), and the one running. */
const folderSyncs = new Map<string, { running?: Promise<void>; next?: Promise<void> }>()

/**
 * Make the renames done so far in `folder` durable. Outputs written at the same time into one folder share a
 * sync: a request joins the sync that has not started yet, which starts once the running one is over, so
 * every rename done before a request is covered by the sync it waits for.
 */
function syncRenames(folder: string): Promise<void> {
  let state = folderSyncs.get(folder)
  if (!state) {
    state = {}
    folderSyncs.set(folder, state)
  }
  const syncs = state
  if (syncs.next) return syncs.next
  const next = (syncs.running ?? Promise.resolve()).then(() => {
    syncs.next = undefined
    const running = syncFolder(folder)
    syncs.running = running
    return running.finally(() => {
      if (syncs.running !== running) return
      syncs.running = undefined
      if (!syncs.next) folderSyncs.delete(folder)
    })
  })
  syncs.next = next
  return next
}

/**
 * The real path of each output root: it does not change while a run writes into it, and a root that does
 * (made a symlink to elsewhere) only makes the check below refuse writes, never allow one.
 */
const realRoots = new Map<string, string>()

async function realRootOf(root: string): Promise<string> {
  let real = realRoots.get(root)
  if (real === undefined) {
    real = await realpath(root)
    realRoots.set(root, real)
  }
  return real
}

/** Make `folder` (created when missing) and check that it resolves, after symlinks, inside `root`. */
async function checkFolder(root: string, folder: string): Promise<void> {
  // The root itself: nothing between it and the file to resolve (made, if missing, when the file is opened).
  if (folder === root) return
  const realRoot = await realRootOf(root)
  let realFolder: string
  try {
    realFolder = await realpath(folder)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    await mkdir(folder, { recursive: true })
    realFolder = await realpath(folder)
  }
  if (!within(realRoot, realFolder)) {
    throw new OutputError(`refusing to write outside ${root}: ${folder} resolves to ${realFolder}`, {
      folder,
      code: 'OUTSIDE_OUT',
    })
  }
}

/** Open a new temp file; `root`: the folder is the output root, made when missing (removed since, or never made). */
async function openTemporary(temporary: string, root: string | undefined): Promise<FileHandle> {
  try {
    return await open(temporary, 'wx', 0o644)
  } catch (error) {
    if (root === undefined || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    await mkdir(root, { recursive: true })
    return await open(temporary, 'wx', 0o644)
  }
}

/**
 * Write `content` to `target` so that a reader sees either the old file or the whole new one, never a
 * part: a temp file in the same folder (a dotfile, so watchers ignore it), fsync, rename, fsync the folder
 * (shared by the writes into the same folder at the same time). The folder must resolve (after symlinks)
 * inside `root`. Every failure is an {@link OutputError}: the output side, not the document, is at fault; the
 * temp file is removed.
 */
export async function writeFileAtomic(
  root: string,
  target: string,
  content: string | Uint8Array,
): Promise<void> {
  const folder = dirname(target)
  try {
    await checkFolder(root, folder)
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
    const handle = await openTemporary(temporary, folder === root ? root : undefined)
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
  await syncRenames(folder)
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
