import { readFileSync } from 'node:fs'
import { sep } from 'node:path'

// File systems where inotify misses changes made by other machines (or by the FUSE daemon).
const networkFileSystem =
  /^(nfs\d?|cifs|smb\d?|smbfs|9p|ceph|glusterfs|vboxsf|davfs|fuse(\..*)?|fuseblk|sshfs)$/

/** One line of /proc/mounts. */
export interface Mount {
  mountPoint: string
  fileSystemType: string
}

/** Parse the mount table format of /proc/mounts (octal escapes such as `\040` for a space). */
export function parseMounts(text: string): Mount[] {
  const decodeOctal = (value: string) =>
    value.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)))
  return text
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields.length >= 3)
    .map((fields) => ({ mountPoint: decodeOctal(fields[1]!), fileSystemType: fields[2]! }))
}

/** The mount a path lives on: the longest mount point that contains it. */
export function mountOf(path: string, mounts: readonly Mount[]): Mount | undefined {
  let best: Mount | undefined
  for (const mount of mounts) {
    const contains =
      mount.mountPoint === '/' || path === mount.mountPoint || path.startsWith(`${mount.mountPoint}${sep}`)
    if (contains && (!best || mount.mountPoint.length >= best.mountPoint.length)) best = mount
  }
  return best
}

/** True when a file system type needs polling to see changes. */
export function needsPolling(fileSystemType: string): boolean {
  return networkFileSystem.test(fileSystemType)
}

/** The file system type of `path` from /proc/mounts, or undefined where there is no such file. */
export function fileSystemTypeOf(path: string, mountsFile = '/proc/mounts'): string | undefined {
  try {
    return mountOf(path, parseMounts(readFileSync(mountsFile, 'utf8')))?.fileSystemType
  } catch {
    return undefined
  }
}
