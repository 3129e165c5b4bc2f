import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { scriptedEngine } from '@numarkdown/server'
import { makePdf, startTestServer, type TestServer } from '@numarkdown/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createWorkspace,
  readIfExists,
  startWatcher,
  submissions,
  type WatcherProcess,
  type Workspace,
} from './harness.js'

let folder: Workspace['folder']
let inbox: string
let out: string
const servers: TestServer[] = []
const watchers: WatcherProcess[] = []

beforeEach(async () => {
  ;({ folder, inbox, out } = await createWorkspace())
})

afterEach(async () => {
  for (const watcher of watchers.splice(0)) {
    watcher.kill('SIGKILL')
    await watcher.exited
    for (const server of servers) expect(watcher.output()).not.toContain(server.token)
  }
  for (const server of servers.splice(0)) await server.close()
  await folder.remove()
})

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const started = await startTestServer(options)
  servers.push(started)
  return started
}

function watch(url: string, token: string, args: string[] = []): WatcherProcess {
  const watcher = startWatcher({ inbox, out, url, token, args })
  watchers.push(watcher)
  return watcher
}

describe('restarts', () => {
  it('submits nothing when restarted with nothing changed', async () => {
    const api = await server()
    await writeFile(join(inbox, 'a.pdf'), await makePdf(['a']))
    await writeFile(join(inbox, 'b.html'), '<p>b</p>')
    await mkdir(join(inbox, 'sub'))
    await writeFile(join(inbox, 'sub', 'c.txt'), 'c')
    const first = watch(api.url, api.token, ['--once'])
    expect(await first.exited).toBe(0)
    expect(submissions(api.server.requests)).toBe(3)
    const state = await readFile(join(out, '.numarkdown-watch', 'state.jsonl'), 'utf8')
    expect(state.trim().split('\n')).toHaveLength(3)

    const second = watch(api.url, api.token, ['--once'])
    expect(await second.exited).toBe(0)
    expect(second.output()).toMatch(/"unchanged":3/)
    // Touching a file without changing it costs a hash, not a conversion.
    await writeFile(join(inbox, 'b.html'), '<p>b</p>')
    const third = watch(api.url, api.token, ['--once'])
    expect(await third.exited).toBe(0)
    expect(submissions(api.server.requests)).toBe(3)
  })

  it('resumes a job still running at shutdown instead of submitting it again', async () => {
    const engine = scriptedEngine({ hold: true })
    const api = await server({ engine })
    const first = watch(api.url, api.token, ['--grace-ms', '300'])
    await first.waitForLine((line) => line.message === 'watching')
    await writeFile(join(inbox, 'held.pdf'), await makePdf(['held']))
    const submitted = await first.waitForLine((line) => line.message === 'submitted')
    await engine.gate.whenWaiting(1)
    first.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    expect(first.lines.some((line) => line.message === 'left for the next start')).toBe(true)

    const second = watch(api.url, api.token)
    const resumed = await second.waitForLine((line) => line.message === 'resuming')
    expect(resumed.jobId).toBe(submitted.jobId)
    engine.gate.open()
    await second.waitForLine((line) => line.message === 'converted' && line.path === 'held.pdf')
    expect(await readIfExists(join(out, 'held.pdf.md'))).toContain('held.pdf')
    expect(submissions(api.server.requests)).toBe(1)
  })

  it('lets a conversion in flight finish within the grace period on SIGTERM', async () => {
    const engine = scriptedEngine({ hold: true })
    const api = await server({ engine })
    const watcher = watch(api.url, api.token, ['--grace-ms', '20000'])
    await watcher.waitForLine((line) => line.message === 'watching')
    await writeFile(join(inbox, 'finishing.html'), '<p>finish me</p>')
    await engine.gate.whenWaiting(1)
    watcher.kill('SIGTERM')
    await watcher.waitForLine((line) => line.message === 'stopping: finishing conversions in flight')
    engine.gate.open()
    expect(await watcher.exited).toBe(0)
    expect(watcher.lines.some((line) => line.message === 'converted' && line.path === 'finishing.html')).toBe(
      true,
    )
    expect(await readIfExists(join(out, 'finishing.html.md'))).toContain('finish me')
    const state = await readFile(join(out, '.numarkdown-watch', 'state.jsonl'), 'utf8')
    expect(JSON.parse(state.trim())).toMatchObject({ path: 'finishing.html', status: 'done' })
  })

  it('submits again when the server no longer knows the job', async () => {
    const engine = scriptedEngine({ hold: true })
    const forgetful = await server({ engine })
    const first = watch(forgetful.url, forgetful.token, ['--grace-ms', '0'])
    await first.waitForLine((line) => line.message === 'watching')
    await writeFile(join(inbox, 'lost.html'), '<p>lost job</p>')
    await first.waitForLine((line) => line.message === 'submitted')
    first.kill('SIGKILL')
    await first.exited
    await forgetful.close()

    const fresh = await server()
    const second = watch(fresh.url, fresh.token)
    await second.waitForLine(
      (line) => line.message === 'the server no longer knows the job; submitting again',
    )
    await second.waitForLine((line) => line.message === 'converted' && line.path === 'lost.html')
    expect(await readIfExists(join(out, 'lost.html.md'))).toContain('lost job')
    expect(submissions(fresh.server.requests)).toBe(1)
  })
})
