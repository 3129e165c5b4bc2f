import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readIfExists, startWatcher } from './harness.js'

let folder: { path: string; remove(): Promise<void> }
beforeAll(async () => {
  folder = await tempDir()
})
afterAll(() => folder.remove())

describe('without NUMIND_API_KEY', () => {
  it('starts a local server with the local engine on 127.0.0.1 and converts offline', async () => {
    const inbox = join(folder.path, 'inbox')
    const out = join(folder.path, 'out')
    await mkdir(inbox)
    await writeFile(join(inbox, 'page.html'), '<h1>Offline</h1><p>No key, <b>no network</b>.</p>')
    const watcher = startWatcher({ inbox, out, args: ['--once'] })
    expect(await watcher.exited).toBe(0)
    const started = watcher.lines.find((line) => line.message.startsWith('no NUMIND_API_KEY'))
    expect(started).toMatchObject({
      engine: 'local',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    })
    expect(await readIfExists(join(out, 'page.html.md'))).toMatch(/# Offline[\s\S]*\*\*no network\*\*/)
    expect(watcher.output()).not.toMatch(/bearer/i)
  })
})
