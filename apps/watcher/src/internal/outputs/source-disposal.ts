import { copyFile, lstat, mkdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { OnSuccess } from '../../options.js'
import { inside } from './output-paths.js'

/** A converted source to dispose of. */
export interface SourceDisposal {
  how: Exclude<OnSuccess, 'keep'>
  /** The source's absolute path. */
  absolute: string
  /** Where a moved source goes. */
  doneDir: string
  /** The source's path relative to the inbox: a moved source keeps it under `doneDir`. */
  path: string
}

/**
 * Delete a converted source, or move it to `doneDir` under its relative path. A name already taken there gets
 * a `.1`, `.2`... suffix, so an earlier document of the same name is never overwritten; a move across file
 * systems falls back to copy and delete (a symlink is recreated, not copied).
 */
export async function disposeSource({ how, absolute, doneDir, path }: SourceDisposal): Promise<void> {
  if (how === 'delete') return rm(absolute)
  let target = inside(doneDir, path)
  await mkdir(dirname(target), { recursive: true })
  for (let index = 1; await exists(target); index++) target = `${inside(doneDir, path)}.${index}`
  await rename(absolute, target).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EXDEV') throw error
    // A symlink is moved as a link: copying would read whatever it points to by now.
    if ((await lstat(absolute)).isSymbolicLink()) {
      await symlink(resolve(dirname(absolute), await readlink(absolute)), target)
    } else await copyFile(absolute, target)
    await rm(absolute)
  })
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
