import { lstatSync, type Stats } from 'node:fs'
import { lstat, readdir, realpath, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { within } from '../path-containment.js'
import type { FileFilter } from './file-filter.js'
import { onLocalFileSystem } from './mounts.js'

/** What a path in the inbox is, as far as the watcher cares. */
export type Inspection =
  | { kind: 'file'; path: string; stats: Stats }
  /** A path with a wanted name that can never be converted as it is (symlink loop, leads out, not a file...). */
  | { kind: 'problem'; path: string; reason: string; code: string }
  | { kind: 'absent'; path: string }
  | { kind: 'ignored'; path: string }

export interface ScanContext {
  /** The inbox, absolute. */
  inbox: string
  /** The inbox after resolving symlinks. */
  realInbox: string
  filter: FileFilter
  /** Absolute folders never descended into (the output folder, the done folder, when inside the inbox). */
  skipFolders: string[]
}

/** The absolute path of a relative inbox path (`/`-separated). */
export function inboxPath(inbox: string, path: string): string {
  return join(inbox, ...path.split('/'))
}

/** Inspect one relative path (`/`-separated): a file to take, a problem to report, absent, or ignored. */
export async function inspect(context: ScanContext, path: string): Promise<Inspection> {
  if (!context.filter.file(path)) return { kind: 'ignored', path }
  const absolute = inboxPath(context.inbox, path)
  let linkStats: Stats
  try {
    // On a local file system an lstat answers from the inode cache in microseconds: a synchronous call costs
    // less than a round trip through libuv's thread pool, whose queue a drop of a thousand files fills with
    // lstats that the journal's writes and fsyncs would wait behind.
    linkStats = onLocalFileSystem(inboxPath(context.realInbox, path))
      ? lstatSync(absolute)
      : await lstat(absolute)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN'
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent', path }
    return { kind: 'problem', path, reason: `cannot read the file's details: ${code}`, code }
  }
  if (linkStats.isSymbolicLink()) {
    let target: string
    try {
      target = await realpath(absolute)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN'
      if (code === 'ELOOP') return { kind: 'problem', path, reason: 'the symlink is a loop', code }
      if (code === 'ENOENT') return { kind: 'problem', path, reason: 'the symlink points nowhere', code }
      return { kind: 'problem', path, reason: `the symlink cannot be followed: ${code}`, code }
    }
    if (!within(context.realInbox, target)) {
      return {
        kind: 'problem',
        path,
        reason: 'the symlink leads out of the inbox and is not followed',
        code: 'OUTSIDE_INBOX',
      }
    }
    const targetStats = await stat(target).catch(() => undefined)
    if (!targetStats?.isFile()) {
      return { kind: 'problem', path, reason: 'the symlink does not point to a file', code: 'NOT_A_FILE' }
    }
    return { kind: 'file', path, stats: targetStats }
  }
  if (linkStats.isDirectory()) return { kind: 'ignored', path }
  if (!linkStats.isFile()) {
    return {
      kind: 'problem',
      path,
      reason: 'not a regular file (a pipe, socket or device)',
      code: 'NOT_A_FILE',
    }
  }
  return { kind: 'file', path, stats: linkStats }
}

/**
 * Walk the inbox and inspect every wanted path. Folders are descended only when real (symlinked folders are
 * not followed, so links can neither lead out of the inbox nor loop). Unreadable folders are reported via
 * `onFolderError` and skipped.
 */
export async function scan(
  context: ScanContext,
  onFolderError: (folder: string, error: Error) => void = () => {},
): Promise<Map<string, Inspection>> {
  const found = new Map<string, Inspection>()
  const walk = async (folderPath: string): Promise<void> => {
    const absolute = folderPath === '' ? context.inbox : join(context.inbox, ...folderPath.split('/'))
    if (context.skipFolders.some((skip) => skip === absolute)) return
    let entries: import('node:fs').Dirent[]
    try {
      entries = await readdir(absolute, { withFileTypes: true })
    } catch (error) {
      if (folderPath === '' || (error as NodeJS.ErrnoException).code !== 'ENOENT') {
        onFolderError(absolute, error as Error)
      }
      return
    }
    for (const entry of entries) {
      const path = folderPath === '' ? entry.name : `${folderPath}/${entry.name}`
      if (entry.isDirectory()) {
        if (context.filter.folder(path)) await walk(path)
        continue
      }
      const inspection = await inspect(context, path)
      if (inspection.kind === 'file' || inspection.kind === 'problem') found.set(path, inspection)
    }
  }
  await walk('')
  return found
}
