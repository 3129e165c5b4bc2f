import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { mountOf, needsPolling, onLocalFileSystem, parseMounts } from './mounts.js'

const table = `/dev/vda / ext4 rw,relatime 0 0
server:/export /mnt/nfs nfs4 rw 0 0
//nas/share /mnt/my\\040share cifs rw 0 0
sshfs#me@host: /home/me/remote fuse.sshfs rw 0 0
tmpfs /mnt/nfs/cache tmpfs rw 0 0
`

describe('mounts', () => {
  it('finds the file system of a path and decides on polling', () => {
    const mounts = parseMounts(table)
    const typeOf = (path: string) => mountOf(path, mounts)?.fileSystemType
    expect(typeOf('/home/me/inbox')).toBe('ext4')
    expect(typeOf('/mnt/nfs/inbox')).toBe('nfs4')
    expect(typeOf('/mnt/nfs/cache/x')).toBe('tmpfs')
    expect(typeOf('/mnt/my share/in')).toBe('cifs')
    expect(typeOf('/home/me/remote/in')).toBe('fuse.sshfs')
    expect(['ext4', 'tmpfs', 'btrfs'].map(needsPolling)).toEqual([false, false, false])
    expect(['nfs', 'nfs4', 'cifs', 'smb3', 'fuse.sshfs', 'fuseblk', '9p'].map(needsPolling)).toEqual(
      Array(7).fill(true),
    )
  })
})

describe('onLocalFileSystem', () => {
  it('is true on a local mount only, and false where the mount table cannot be read', async () => {
    const folder = await tempDir()
    try {
      const mountsFile = join(folder.path, 'mounts')
      await writeFile(mountsFile, table)
      expect(onLocalFileSystem('/home/me/inbox/a.pdf', mountsFile)).toBe(true)
      expect(onLocalFileSystem('/mnt/nfs/inbox/a.pdf', mountsFile)).toBe(false)
      expect(onLocalFileSystem('/home/me/remote/in/a.pdf', mountsFile)).toBe(false)
      expect(onLocalFileSystem('/home/me/inbox/a.pdf', join(folder.path, 'absent'))).toBe(false)
    } finally {
      await folder.remove()
    }
  })
})
