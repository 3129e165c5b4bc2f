import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { eventually, startTestServer, type TestServer } from '@numarkdown/testing'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  cli,
  createWorkspace,
  exists,
  readIfExists,
  startWatcher,
  submissions,
  type WatcherProcess,
  type Workspace,
} from './harness.js'

let server: TestServer
let folder: Workspace['folder']
let inbox: string
let out: string
let watcher: WatcherProcess | undefined

beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())
beforeEach(async () => {
  ;({ folder, inbox, out } = await createWorkspace())
})
afterEach(async () => {
  if (watcher) {
    watcher.kill('SIGTERM')
    await watcher.exited
    expect(watcher.output()).not.toContain(server.token)
    watcher = undefined
  }
  await folder.remove()
})

function watch(args: string[]): WatcherProcess {
  watcher = startWatcher({ inbox, out, url: server.url, token: server.token, args })
  return watcher
}

const converted = (path: string) =>
  watcher!.waitForLine((line) => line.message === 'converted' && line.path === path)

describe('options', () => {
  it('--on-success move puts the source in <inbox>/.done and never converts it again', async () => {
    const before = submissions(server.server.requests)
    watch(['--on-success', 'move'])
    await writeFile(join(inbox, 'a.html'), '<p>move me</p>')
    await converted('a.html')
    await eventually(() => exists(join(inbox, '.done', 'a.html')), 'the moved source', { timeoutMs: 10_000 })
    expect(await exists(join(inbox, 'a.html'))).toBe(false)
    expect(await readIfExists(join(out, 'a.html.md'))).toContain('move me')
    watcher!.kill('SIGTERM')
    await watcher!.exited
    watch(['--once'])
    expect(await watcher!.exited).toBe(0)
    expect(await exists(join(out, 'a.html.md'))).toBe(true)
    expect(submissions(server.server.requests) - before).toBe(1)
  })

  it('--on-success delete removes the source; --reasoning writes the reasoning beside the markdown', async () => {
    watch(['--on-success', 'delete', '--reasoning'])
    await writeFile(join(inbox, 'b.html'), '<p>delete me</p>')
    await converted('b.html')
    await eventually(async () => !(await exists(join(inbox, 'b.html'))), 'the source deleted', {
      timeoutMs: 10_000,
    })
    expect(await readIfExists(join(out, 'b.html.reasoning.md'))).toBeTruthy()
  })

  it('--delete-outputs removes the outputs of a deleted source', async () => {
    watch(['--delete-outputs'])
    await writeFile(join(inbox, 'c.html'), '<p>gone soon</p>')
    await converted('c.html')
    await rm(join(inbox, 'c.html'))
    await watcher!.waitForLine((line) => line.message === 'source deleted; outputs removed')
    expect(await exists(join(out, 'c.html.md'))).toBe(false)
  })

  it('stops at the first 401 with one message naming NUMIND_API_KEY; the right key then converts all', async () => {
    const names = ['d1.html', 'd2.html', 'd3.html', 'd4.html', 'd5.html']
    for (const name of names) await writeFile(join(inbox, name), `<p>${name}</p>`)
    const refusedBefore = server.server.requests.filter((request) => request.status === 401).length
    watcher = startWatcher({ inbox, out, url: server.url, token: 'wrong-token-abcdef', args: ['--once'] })
    expect(await watcher.exited).toBe(2)
    const refusals = watcher.lines.filter((line) => line.message.startsWith('NUMIND_API_KEY was refused by'))
    expect(refusals, watcher.output()).toHaveLength(1)
    expect(refusals[0]!.message).toMatch(new RegExp(`^NUMIND_API_KEY was refused by ${server.url}: 401`))
    expect(watcher.lines.filter((line) => line.message === 'failed')).toEqual([])
    expect(await exists(join(out, '.failed'))).toBe(false)
    // Refused: the conversions in flight at that moment (two at most), not every document.
    const refused = server.server.requests.filter((request) => request.status === 401).length - refusedBefore
    expect(refused).toBeGreaterThanOrEqual(1)
    expect(refused).toBeLessThanOrEqual(2)
    expect(watcher.output()).not.toContain('wrong-token-abcdef')

    watcher = startWatcher({ inbox, out, url: server.url, token: server.token, args: ['--once'] })
    expect(await watcher.exited, watcher.output()).toBe(0)
    for (const name of names) expect(await readIfExists(join(out, `${name}.md`))).toContain(name)
  })

  it('--poll finds new files without native events (and without waiting for a rescan)', async () => {
    watch(['--poll=100', '--rescan-ms', '600000'])
    const watching = await watcher!.waitForLine((line) => line.message === 'watching')
    expect(watching.events).toBe('polling every 100 ms')
    await writeFile(join(inbox, 'polled.html'), '<p>polled</p>')
    await converted('polled.html')
    expect(await readIfExists(join(out, 'polled.html.md'))).toContain('polled')
  })

  it('prints help with examples, and rejects a bad option naming the value', async () => {
    const { execFileSync, spawnSync } = await import('node:child_process')
    expect(execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' })).toMatch(/Examples:/)
    const bad = spawnSync(process.execPath, [cli, inbox, '--on-success', 'shred'], { encoding: 'utf8' })
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/"shred"/)
  })
})
