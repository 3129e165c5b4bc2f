import { createHash } from 'node:crypto'
import { readFile, rename, symlink, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { scriptedEngine } from '@numarkdown/server'
import { listFiles, startTestServer, type TestServer } from '@numarkdown/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createWorkspace, killLeftoverWatchers, startWatcher, type Workspace } from './harness.js'

let server: TestServer
const engine = scriptedEngine()

beforeAll(async () => {
  server = await startTestServer({ engine })
})
afterAll(() => server?.close())
afterEach(killLeftoverWatchers)

const linkCount = 4
const flipForMs = 6000

describe('a symlink flipped between a file in the inbox and one outside', () => {
  it('never uploads the outside file nor writes anything of it', async () => {
    const workspace: Workspace = await createWorkspace()
    const { folder, inbox, out } = workspace
    try {
      const secret = `TOP SECRET ${Math.random()}\n`
      const outside = join(folder.path, 'secret.txt')
      const inside = join(inbox, 'inside.txt')
      await writeFile(outside, secret)
      await writeFile(inside, 'inside content, fine to convert\n')
      for (let index = 0; index < linkCount; index++) await symlink(inside, join(inbox, `flip-${index}.txt`))
      const watcher = startWatcher({
        inbox,
        out,
        url: server.url,
        token: server.token,
        args: ['--stability-ms', '0', '--rescan-ms', '200', '--concurrency', '4'],
      })
      await watcher.waitForLine((line) => line.message === 'watching')

      // Each link is replaced atomically (a new link renamed over it), to the other target each time.
      let flips = 0
      const flipUntil = Date.now() + flipForMs
      await Promise.all(
        Array.from({ length: linkCount }, async (_, index) => {
          const link = join(inbox, `flip-${index}.txt`)
          const temporary = join(inbox, `.flip-${index}.tmp`)
          for (let round = 0; Date.now() < flipUntil; round++) {
            await symlink(round % 2 === 0 ? outside : inside, temporary)
            await rename(temporary, link)
            flips++
            await sleep(round % 3)
          }
        }),
      )
      for (let index = 0; index < linkCount; index++) await unlink(join(inbox, `flip-${index}.txt`))
      await sleep(300)
      watcher.kill('SIGTERM')
      expect(await watcher.exited, watcher.output().slice(-3000)).toBe(0)

      const secretHash = createHash('sha256').update(secret).digest('hex')
      const uploaded = engine.calls.map((call) => call.document.sha256)
      const flipUploads = watcher.lines.filter(
        (line) => line.message === 'submitted' && line.path?.startsWith('flip-'),
      ).length
      console.log(`${flips} flips, ${flipUploads} uploads of a flipped link, ${uploaded.length} in all`)
      // The race was run: links were converted while they were being flipped.
      expect(flipUploads).toBeGreaterThan(0)
      expect(uploaded).not.toContain(secretHash)
      for (const file of await listFiles(out)) {
        if (file.startsWith('.numarkdown-watch/')) continue
        expect(await readFile(join(out, file), 'utf8'), file).not.toContain('TOP SECRET')
      }
      expect(watcher.output()).not.toContain('TOP SECRET')
    } finally {
      await folder.remove()
    }
  })
})
