/**
 * `--concurrency` bounds the jobs at the service, and only them: the next document is read, hashed and
 * recorded while the service works, so that it is submitted the moment a slot frees, and it is never
 * submitted before.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { scriptedEngine } from '@numarkdown/server'
import { eventually, startTestServer, type TestServer } from '@numarkdown/testing'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  createWorkspace,
  exists,
  journalRecord,
  killLeftoverWatchers,
  readIfExists,
  startWatcher,
  submissions,
  type Workspace,
} from './harness.js'

const engine = scriptedEngine({ hold: (document) => document.filename.startsWith('held') })
let server: TestServer
let workspace: Workspace

beforeAll(async () => {
  server = await startTestServer({ engine })
})
afterAll(() => server?.close())
beforeEach(async () => {
  workspace = await createWorkspace()
})
afterEach(async () => {
  engine.gate.release()
  await killLeftoverWatchers()
  await workspace.folder.remove()
})

describe('slots at the service', () => {
  it('reads and records the next document while the only slot is at the service, and submits it once the slot frees', async () => {
    const { inbox, out } = workspace
    const before = submissions(server.server.requests)
    await writeFile(join(inbox, 'held.txt'), 'held by the server\n')
    const watcher = startWatcher({
      inbox,
      out,
      url: server.url,
      token: server.token,
      args: ['--concurrency', '1'],
    })
    await watcher.waitForLine((line) => line.message === 'submitted' && line.path === 'held.txt')
    await writeFile(join(inbox, 'next.txt'), 'the next document\n')

    // Opened, checked, hashed and durably recorded as about to be submitted, while held.txt holds the slot.
    await eventually(
      async () => (await journalRecord(out, 'next.txt'))?.status === 'pending',
      'next.txt recorded pending while held.txt is at the service',
    )
    expect(submissions(server.server.requests) - before).toBe(1)
    expect(await exists(join(out, 'held.txt.md'))).toBe(false)

    engine.gate.release('held.txt')
    await eventually(
      async () => (await exists(join(out, 'held.txt.md'))) && (await exists(join(out, 'next.txt.md'))),
      'both outputs',
    )
    expect(submissions(server.server.requests) - before).toBe(2)
    expect(await readIfExists(join(out, 'next.txt.md'))).toContain('the next document')
    watcher.kill('SIGTERM')
    expect(await watcher.exited).toBe(0)
  })
})
