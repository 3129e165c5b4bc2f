import { createHash } from 'node:crypto'
import { appendFile, mkdir, open, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { scriptedEngine } from '@numarkdown/server'
import { eventually, listFiles, makePdf, type TestServer } from '@numarkdown/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  jobsByFilename,
  readIfExists,
  startWatchedInbox,
  type WatchedInbox,
  type WatcherProcess,
} from './harness.js'

let watched: WatchedInbox
let folder: WatchedInbox['folder']
let server: TestServer
let watcher: WatcherProcess
let inbox: string
let out: string

beforeAll(async () => {
  watched = await startWatchedInbox(scriptedEngine({ latencyMs: 20 }))
  ;({ folder, server, watcher, inbox, out } = watched)
})

afterAll(async () => {
  if (!watched) return
  await watched.close()
  expect(watcher.output()).not.toContain(server.token)
})

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const converted = (path: string) =>
  watcher.waitForLine((line) => line.message === 'converted' && line.path === path, 30_000)

describe('write patterns', () => {
  it('waits for a slow copy that pauses longer than the stability time, then sends it whole once', async () => {
    const pdf = await makePdf(['slow copy page one', 'slow copy page two', 'slow copy page three'])
    const handle = await open(join(inbox, 'slow.pdf'), 'w')
    const chunk = Math.ceil(pdf.length / 6)
    for (let offset = 0; offset < pdf.length; offset += chunk) {
      await handle.write(pdf.subarray(offset, offset + chunk))
      await handle.sync()
      // A pause of 3× the stability time: size and mtime hold still, but the PDF has no %%EOF yet.
      await sleep(offset === chunk * 2 ? 500 : 60)
    }
    await handle.close()
    await converted('slow.pdf')
    const markdown = await readIfExists(join(out, 'slow.pdf.md'))
    expect(markdown).toContain(sha256(pdf))
    expect((await jobsByFilename(server.url, server.token)).get('slow.pdf')).toBe(1)
  })

  it('takes a file written under a temp name and renamed', async () => {
    await writeFile(join(inbox, '.report.html.partial'), '<h1>renamed</h1>')
    await writeFile(join(inbox, 'report.html.crdownload'), '<h1>downloading</h1>')
    await sleep(300)
    await rename(join(inbox, '.report.html.partial'), join(inbox, 'report.html'))
    await converted('report.html')
    expect(await readIfExists(join(out, 'report.html.md'))).toContain('renamed')
    expect(await readIfExists(join(out, 'report.html.crdownload.md'))).toBeUndefined()
  })

  it('takes a file moved in from elsewhere, into a new subfolder', async () => {
    await writeFile(join(folder.path, 'moved.html'), '<p>moved in</p>')
    await mkdir(join(inbox, 'deep', 'er'), { recursive: true })
    await rename(join(folder.path, 'moved.html'), join(inbox, 'deep', 'er', 'moved.html'))
    await converted('deep/er/moved.html')
    expect(await readIfExists(join(out, 'deep', 'er', 'moved.html.md'))).toContain('moved in')
  })

  it('converts again when a file is removed and recreated with new content', async () => {
    await writeFile(join(inbox, 'recreated.html'), '<p>first version</p>')
    await converted('recreated.html')
    await rm(join(inbox, 'recreated.html'))
    await writeFile(join(inbox, 'recreated.html'), '')
    await sleep(50)
    await appendFile(join(inbox, 'recreated.html'), '<p>second version</p>')
    await eventually(
      async () => (await readIfExists(join(out, 'recreated.html.md')))?.includes('second version'),
      'the second version',
      { timeoutMs: 30_000 },
    )
    expect(await readIfExists(join(out, 'recreated.html.md'))).not.toContain('first version')
  })

  it('converts many files dropped at once, each exactly once', async () => {
    await mkdir(join(inbox, 'batch'))
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        writeFile(join(inbox, 'batch', `doc-${index}.txt`), `document number ${index}\n`),
      ),
    )
    // Outputs only: a temp file of a write in progress (a dotfile) is not an output yet.
    const outputs = async () =>
      (await listFiles(join(out, 'batch'))).filter((file) => file.endsWith('.txt.md'))
    await eventually(async () => (await outputs()).length === 40, '40 outputs', { timeoutMs: 45_000 })
    const jobs = await jobsByFilename(server.url, server.token)
    for (let index = 0; index < 40; index++) {
      expect(jobs.get(`doc-${index}.txt`), `doc-${index}.txt`).toBe(1)
      expect(await readIfExists(join(out, 'batch', `doc-${index}.txt.md`))).toContain(
        `document number ${index}`,
      )
    }
    // Forty files waiting for a slot are not forty listeners on one signal.
    expect(watcher.stderr(), watcher.stderr()).not.toMatch(/MaxListenersExceededWarning/)
  })

  it('watches the inbox again after it was deleted and recreated', async () => {
    await rm(inbox, { recursive: true })
    await watcher.waitForLine((line) => line.message.startsWith('the inbox disappeared'))
    await mkdir(inbox)
    await watcher.waitForLine((line) => line.message === 'the inbox is back')
    await writeFile(join(inbox, 'after-recreate.html'), '<p>after</p>')
    await converted('after-recreate.html')
    expect(await readIfExists(join(out, 'after-recreate.html.md'))).toContain('after')
    // The earlier outputs stay: a vanished inbox is not a deletion of every document.
    expect(await readIfExists(join(out, 'report.html.md'))).toContain('renamed')
  })

  it('leaves no temp files in the output folder', async () => {
    expect((await listFiles(out)).filter((file) => file.endsWith('.tmp'))).toEqual([])
  })
})
