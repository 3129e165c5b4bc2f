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

/** How long a reading of the mount table is trusted: mounts change seldom, and a new one is seen this soon. */
const mountsTrustedMs = 10_000
const mountTables = new Map<string, { mounts: Mount[]; readAt: number }>()

/**
 * True when `path` (absolute, resolved) is known to lie on a local file system, where a call on a cached
 * file returns within microseconds: false on a network or FUSE file system (a call may wait on another
 * machine or a daemon), and where the mount table cannot be read (no /proc). The table is read again at
 * most every 10 s.
 */
export function onLocalFileSystem(path: string, mountsFile = '/proc/mounts'): boolean {
  const now = Date.now()
  let table = mountTables.get(mountsFile)
  if (!table || now - table.readAt > mountsTrustedMs) {
    let mounts: Mount[]
    try {
      mounts = parseMounts(readFileSync(mountsFile, 'utf8'))
    } catch {
      mounts = []
    }
    table = { mounts, readAt: now }
    mountTables.set(mountsFile, table)
  }
  const type = mountOf(path, table.mounts)?.fileSystemType
  return type !== undefined && !needsPolling(type)
}
