import { execFileSync } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { eventually, listFiles, startTestServer, type TestServer, tempDir } from '@numarkdown/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createWorkspace, exists, killLeftoverWatchers, readIfExists, startWatcher } from './harness.js'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server?.close())
afterEach(killLeftoverWatchers)

/** Whether `steps` run here: as root, only `chattr +i` makes a folder read-only, and only a small tmpfs fills. */
async function can(steps: (folder: string) => string[][]): Promise<boolean> {
  const folder = await tempDir()
  try {
    for (const [command, ...args] of steps(folder.path)) execFileSync(command!, args, { stdio: 'ignore' })
    return true
  } catch {
    return false
  } finally {
    for (const [command, ...args] of [
      ['chattr', '-i', folder.path],
      ['umount', folder.path],
    ]) {
      try {
        execFileSync(command!, args, { stdio: 'ignore' })
      } catch {}
    }
    await folder.remove()
  }
}

const chattrWorks = await can((folder) => [
  ['chattr', '+i', folder],
  ['chattr', '-i', folder],
])
const tmpfsWorks = await can((folder) => [['mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', folder]])

const journal = async (out: string) =>
  Object.fromEntries(
    (await readFile(join(out, '.numarkdown-watch', 'state.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { path: string; status: string })
      .map((record) => [record.path, record.status]),
  )

describe('an output folder that cannot be written', () => {
  it('is not a bad document: the conversion waits, says why, and lands once a file in the way is moved', async () => {
    const { folder, inbox, out } = await createWorkspace()
    try {
      await mkdir(join(inbox, 'reports'))
      await mkdir(out)
      // A file where the output subfolder should be: mkdir fails (ENOTDIR/EEXIST), even for root.
      await writeFile(join(out, 'reports'), 'in the way')
      const watcher = startWatcher({ inbox, out, url: server.url, token: server.token })
      await watcher.waitForLine((line) => line.message === 'watching')
      await writeFile(join(inbox, 'reports', 'q3.html'), '<p>third quarter</p>')
      const outage = await watcher.waitForLine((line) =>
        line.message.startsWith('cannot write to the output folder'),
      )
      expect(outage.message).toContain(join(out, 'reports'))
      await watcher.waitForLine((line) => line.message === 'waiting for the output folder to be writable')
      expect(watcher.lines.some((line) => line.message === 'failed')).toBe(false)
      expect(await exists(join(out, '.failed', 'reports', 'q3.html.error.json'))).toBe(false)

      await rm(join(out, 'reports'))
      await watcher.waitForLine(
        (line) => line.message === 'converted' && line.path === 'reports/q3.html',
        30_000,
      )
      await watcher.waitForLine((line) => line.message === 'the output folder can be written again')
      expect(await readIfExists(join(out, 'reports', 'q3.html.md'))).toContain('third quarter')
      expect(await journal(out)).toMatchObject({ 'reports/q3.html': 'done' })
      // One submission: the job's result was kept, not converted again.
      expect(watcher.lines.filter((line) => line.message === 'submitted')).toHaveLength(1)
      watcher.kill('SIGTERM')
      expect(await watcher.exited).toBe(0)
    } finally {
      await folder.remove()
    }
  })

  it.runIf(chattrWorks)('recovers when a read-only (immutable) output folder is writable again', async () => {
    const { folder, inbox, out } = await createWorkspace()
    try {
      const watcher = startWatcher({ inbox, out, url: server.url, token: server.token })
      await watcher.waitForLine((line) => line.message === 'watching')
      execFileSync('chattr', ['+i', out])
      try {
        await writeFile(join(inbox, 'letter.html'), '<p>dear reader</p>')
        const outage = await watcher.waitForLine((line) =>
          line.message.startsWith('cannot write to the output folder'),
        )
        expect(outage).toMatchObject({ code: 'EPERM' })
        await watcher.waitForLine((line) => line.message === 'waiting for the output folder to be writable')
      } finally {
        execFileSync('chattr', ['-i', out])
      }
      await watcher.waitForLine((line) => line.message === 'converted' && line.path === 'letter.html', 30_000)
      expect(await readIfExists(join(out, 'letter.html.md'))).toContain('dear reader')
      expect(await journal(out)).toMatchObject({ 'letter.html': 'done' })
      expect(
        (await listFiles(out)).filter((file) => file.endsWith('.tmp') || file.startsWith('.failed/')),
      ).toEqual([])
      watcher.kill('SIGTERM')
      expect(await watcher.exited).toBe(0)
    } finally {
      await folder.remove()
    }
  })

  it.runIf(tmpfsWorks)('recovers from a full disk (ENOSPC), journal included', async () => {
    const { folder, inbox, out } = await createWorkspace()
    await mkdir(out)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', out])
    try {
      const watcher = startWatcher({ inbox, out, url: server.url, token: server.token })
      await watcher.waitForLine((line) => line.message === 'watching')
      const filler = join(out, 'filler.bin')
      // Fill the disk to the last byte.
      try {
        await writeFile(filler, Buffer.alloc(1024 * 1024))
      } catch {}
      await writeFile(join(inbox, 'minutes.html'), `<p>${'minutes '.repeat(2000)}</p>`)
      const outage = await watcher.waitForLine((line) =>
        line.message.startsWith('cannot write to the output folder'),
      )
      expect(outage).toMatchObject({ code: 'ENOSPC' })
      expect(String(outage.hint)).toMatch(/disk is full/)
      await rm(filler)
      await watcher.waitForLine(
        (line) => line.message === 'converted' && line.path === 'minutes.html',
        30_000,
      )
      expect(await readIfExists(join(out, 'minutes.html.md'))).toContain('minutes')
      expect(await journal(out)).toMatchObject({ 'minutes.html': 'done' })
      expect(await exists(join(out, '.failed', 'minutes.html.error.json'))).toBe(false)
      watcher.kill('SIGTERM')
      expect(await watcher.exited).toBe(0)
      expect((await listFiles(out)).filter((file) => file.endsWith('.tmp'))).toEqual([])
    } finally {
      // A watcher left running by a failed assertion would keep the mount busy.
      await killLeftoverWatchers()
      await eventually(
        () => {
          execFileSync('umount', [out])
          return true
        },
        'the tmpfs unmounted',
        { timeoutMs: 10_000 },
      )
      await folder.remove()
    }
  })
})
