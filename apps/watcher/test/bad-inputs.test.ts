import { chmod, lchown, lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { scriptedEngine } from '@numarkdown/server'
import {
  eventually,
  listFiles,
  makePdf,
  startTestServer,
  type TestServer,
  tempDir,
} from '@numarkdown/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exists, type LogLine, readIfExists, startWatcher, type WatcherProcess } from './harness.js'

let folder: { path: string; remove(): Promise<void> }
let server: TestServer
let watcher: WatcherProcess
let inbox: string
let out: string

// Root reads a chmod 000 file anyway: as root, the watcher runs as `nobody` so that permissions mean something.
const asRoot = process.getuid?.() === 0
const nobody = 65534

async function chownTree(path: string): Promise<void> {
  if (!asRoot) return
  await lchown(path, nobody, nobody)
  if ((await lstat(path)).isDirectory()) {
    for (const entry of await readdir(path)) await chownTree(join(path, entry))
  }
}

beforeAll(async () => {
  folder = await tempDir()
  inbox = join(folder.path, 'inbox')
  out = join(folder.path, 'out')
  await mkdir(inbox)
  await writeFile(join(inbox, 'empty.pdf'), '')
  await writeFile(join(inbox, 'not-a-pdf.pdf'), 'plain words in a file named .pdf')
  await writeFile(
    join(inbox, 'photo.pdf'),
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]),
  )
  await writeFile(join(inbox, 'corrupt.pdf'), '%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without an end')
  await writeFile(join(inbox, 'unreadable.pdf'), await makePdf(['secret']))
  await symlink('loop.pdf', join(inbox, 'loop.pdf'))
  await symlink('/etc/hostname', join(inbox, 'escape.txt'))
  await writeFile(join(inbox, 'rejected.pdf'), await makePdf(['the engine refuses this one']))
  await writeFile(join(inbox, 'with spaces.html'), '<p>spaces</p>')
  await writeFile(join(inbox, 'ünïcødé 文書.html'), '<p>unicode</p>')
  await writeFile(join(inbox, 'new\nline.html'), '<p>newline</p>')
  await chownTree(folder.path)
  await chmod(join(inbox, 'unreadable.pdf'), 0o000)
  server = await startTestServer({
    engine: scriptedEngine({
      outcome: (document) =>
        document.filename === 'rejected.pdf'
          ? { type: 'fail', code: 'Unsupported', message: 'cannot read this' }
          : 'complete',
    }),
  })
  watcher = startWatcher({
    inbox,
    out,
    url: server.url,
    token: server.token,
    ...(asRoot ? { uid: nobody, gid: nobody } : {}),
  })
  await watcher.waitForLine((line) => line.message === 'watching')
})

afterAll(async () => {
  if (watcher) {
    watcher.kill('SIGTERM')
    expect(await watcher.exited).toBe(0)
    expect(watcher.output()).not.toContain(server.token)
  }
  await server?.close()
  await folder?.remove()
})

const failed = (path: string) =>
  watcher.waitForLine((line) => line.message === 'failed' && line.path === path)
const converted = (path: string) =>
  watcher.waitForLine((line) => line.message === 'converted' && line.path === path)
const errorFile = async (path: string) =>
  JSON.parse(await readFile(join(out, '.failed', `${path}.error.json`), 'utf8')) as Record<string, unknown>

describe('bad inputs', () => {
  it('writes an error file for each bad input and keeps the source', async () => {
    await Promise.all(
      ['empty.pdf', 'corrupt.pdf', 'unreadable.pdf', 'loop.pdf', 'escape.txt', 'rejected.pdf'].map(failed),
    )
    expect(await errorFile('empty.pdf')).toMatchObject({
      source: 'empty.pdf',
      code: 'EMPTY',
      why: 'the file is empty (0 bytes)',
    })
    expect(await errorFile('corrupt.pdf')).toMatchObject({
      code: 'INCOMPLETE',
      why: expect.stringMatching(/%%EOF/),
    })
    expect(await errorFile('unreadable.pdf')).toMatchObject({ code: 'EACCES' })
    expect(await errorFile('loop.pdf')).toMatchObject({ code: 'ELOOP' })
    expect(await errorFile('escape.txt')).toMatchObject({ code: 'OUTSIDE_INBOX' })
    const rejected = await errorFile('rejected.pdf')
    expect(rejected).toMatchObject({ source: 'rejected.pdf', what: 'the document could not be converted' })
    expect(rejected.jobId).toEqual(expect.any(String))
    expect(rejected.why).toMatch(/cannot read this/)
    expect(Date.parse(rejected.when as string)).not.toBeNaN()
    expect(await exists(join(inbox, 'rejected.pdf'))).toBe(true)
    expect(await exists(join(out, 'escape.txt.md'))).toBe(false)
  })

  it('reports a file that can never be valid at once, with a precise code; only a growing one is waited for', async () => {
    const [empty, notAPdf, photo, cut] = await Promise.all(
      ['empty.pdf', 'not-a-pdf.pdf', 'photo.pdf', 'corrupt.pdf'].map(failed),
    )
    expect(empty).toMatchObject({ code: 'EMPTY' })
    expect(notAPdf).toMatchObject({ code: 'INVALID', error: 'not a PDF: it does not start with %PDF-' })
    expect(photo).toMatchObject({
      code: 'UNSUPPORTED',
      error: expect.stringMatching(/PNG .*rename it to \.png/),
    })
    expect(cut).toMatchObject({ code: 'INCOMPLETE' })
    // The PDF that may still be growing is given its wait; the others were reported before it.
    const index = (line: LogLine | undefined) => watcher.lines.indexOf(line!)
    for (const final of [empty, notAPdf, photo]) expect(index(final)).toBeLessThan(index(cut))
    expect(await errorFile('photo.pdf')).toMatchObject({ code: 'UNSUPPORTED', attempts: 0 })
  })

  it('converts documents with spaces, unicode and newlines in their names', async () => {
    await Promise.all(['with spaces.html', 'ünïcødé 文書.html', 'new\nline.html'].map(converted))
    expect(await readIfExists(join(out, 'with spaces.html.md'))).toContain('spaces')
    expect(await readIfExists(join(out, 'ünïcødé 文書.html.md'))).toContain('unicode')
    const [newline] = (await listFiles(out)).filter((file) => file.startsWith('new_line.html~'))
    expect(newline).toMatch(/^new_line\.html~[0-9a-f]{8}\.md$/)
    expect(await readIfExists(join(out, newline!))).toContain('newline')
  })

  it('carries on, and retries a bad document once it is fixed', async () => {
    await writeFile(join(inbox, 'later.html'), '<p>later</p>')
    await converted('later.html')
    await writeFile(join(inbox, 'corrupt.pdf'), await makePdf(['fixed now']))
    await chmod(join(inbox, 'unreadable.pdf'), 0o644)
    await Promise.all([converted('corrupt.pdf'), converted('unreadable.pdf')])
    await eventually(
      async () => !(await exists(join(out, '.failed', 'corrupt.pdf.error.json'))),
      'error file removed',
      { timeoutMs: 10_000 },
    )
    expect(await readIfExists(join(out, 'corrupt.pdf.md'))).toContain('corrupt.pdf')
  })
})
