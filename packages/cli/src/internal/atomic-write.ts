/**
 * Output files appear whole or not at all: each is written to a temporary dotfile in its own folder, synced,
 * then renamed over the target (the way numarkdown-watch writes). The temporary files in progress are known,
 * so that a second Ctrl-C, which exits at once, can still remove them synchronously on its way out.
 */
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { mkdir, open, realpath, rename, rm } from 'node:fs/promises'
import { basename, dirname, join, relative, sep } from 'node:path'

const inProgress = new Set<string>()

function within(root: string, path: string): boolean {
  const back = relative(root, path)
  return back === '' || !(back === '..' || back.startsWith(`..${sep}`) || back.startsWith(sep))
}

/** Removes the temporary files of writes still in progress (for an exit that cannot wait for them). */
export function removeTemporaryFilesSync(): void {
  for (const path of inProgress) rmSync(path, { force: true })
  inProgress.clear()
}

/**
 * Writes `content` to `target` so that a reader sees either the old file or the whole new one, never a part.
 * When `root` is given, the target's folder must resolve (after symbolic links) inside it.
 */
export async function writeFileAtomic(target: string, content: string, root?: string): Promise<void> {
  const folder = dirname(target)
  await mkdir(folder, { recursive: true })
  if (root !== undefined) {
    const [realRoot, realFolder] = await Promise.all([realpath(root), realpath(folder)])
    if (!within(realRoot, realFolder)) {
      throw new Error(`refusing to write outside ${root}: ${target} resolves to ${realFolder}`)
    }
  }
  const temporary = join(folder, `.${basename(target).slice(0, 100)}.${randomBytes(6).toString('hex')}.tmp`)
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
    await rm(temporary, { force: true })
    throw error
  } finally {
    inProgress.delete(temporary)
  }
}
