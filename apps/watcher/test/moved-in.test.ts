import { rename, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { scriptedEngine } from '@numarkdown/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobsByFilename, readIfExists, startWatchedInbox, type WatchedInbox } from './harness.js'

// A stability window far longer than the test may take: a file taken while it runs was taken at once.
const stabilityMs = 600_000

let watched: WatchedInbox

beforeAll(async () => {
  watched = await startWatchedInbox(scriptedEngine({ latencyMs: 5 }), ['--stability-ms', String(stabilityMs)])
})

afterAll(() => watched?.close())

describe('a file moved into the inbox', () => {
  it('is taken at once when it was last written longer ago than the stability time; a file being written waits', async () => {
    const { folder, inbox, out, server, watcher } = watched
    // Written in place just now: it must hold still for the whole window.
    await writeFile(join(inbox, 'fresh.html'), '<p>fresh</p>')
    // Written an hour ago elsewhere (as `cp -p`, `rsync -t` or an unpacked archive leave it), then moved in.
    const beside = join(folder.path, 'archived.html')
    await writeFile(beside, '<p>archived an hour ago</p>')
    const anHourAgo = new Date(Date.now() - 3_600_000)
    await utimes(beside, anHourAgo, anHourAgo)
    await rename(beside, join(inbox, 'archived.html'))

    await watcher.waitForLine((line) => line.message === 'converted' && line.path === 'archived.html', 30_000)
    expect(await readIfExists(join(out, 'archived.html.md'))).toContain('archived an hour ago')
    // The file written in place is still inside its window: not submitted, no output.
    const jobs = await jobsByFilename(server.url, server.token)
    expect(jobs.get('archived.html')).toBe(1)
    expect(jobs.get('fresh.html')).toBeUndefined()
    expect(await readIfExists(join(out, 'fresh.html.md'))).toBeUndefined()
  })
})
