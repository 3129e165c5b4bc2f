/**
 * Cluster mode (`--queue`): several real `numarkdown-watch` processes on one inbox, one real redis-server
 * (started here on a free port, persistence off, a key prefix per test), one @numarkdown/server as the
 * witness of what was submitted.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { scriptedEngine } from '@numarkdown/server'
import {
  makePdf,
  redisAvailable,
  startTestRedis,
  startTestServer,
  type TestRedis,
  type TestServer,
} from '@numarkdown/testing'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createWorkspace,
  eventually,
  jobsByFilename,
  killLeftoverWatchers,
  listFiles,
  startWatcher,
  type WatcherProcess,
  type Workspace,
} from './harness.js'

let redis: TestRedis
let workspace: Workspace | undefined
let server: TestServer | undefined

const available = redisAvailable()

beforeAll(async () => {
  if (available) redis = await startTestRedis()
})

afterAll(async () => {
  await redis?.close()
})

afterEach(async () => {
  await killLeftoverWatchers()
  await server?.close()
  server = undefined
  await workspace?.folder.remove()
  workspace = undefined
})

/** The arguments that put a watcher in the cluster of `prefix`. */
function clusterArgs(prefix: string, extra: string[] = []): string[] {
  return ['--queue', redis.url, '--queue-prefix', prefix, '--queue-lock-ms', '2000', ...extra]
}

/** Write `count` small text documents (numbered from `from`) into `folder`; returns name → expected text. */
async function writeNotes(folder: string, from: number, count: number): Promise<Map<string, string>> {
  const expected = new Map<string, string>()
  for (let index = from; index < from + count; index++) {
    const text = `note number ${index}: ${'x'.repeat(index % 17)}`
    await writeFile(join(folder, `note-${index}.txt`), `${text}\n`)
    expected.set(`note-${index}.txt`, text)
  }
  return expected
}

/** Visible output files (temp files of writes are dotfiles; the journal lives in Redis in this mode). */
async function outputsOf(out: string): Promise<string[]> {
  return (await listFiles(out)).filter((file) => !file.split('/').some((segment) => segment.startsWith('.')))
}

function converted(watchers: WatcherProcess[]): number {
  return watchers.reduce(
    (sum, watcher) => sum + watcher.lines.filter((line) => line.message === 'converted').length,
    0,
  )
}

describe.skipIf(!available)('numarkdown-watch --queue', () => {
  it('three watchers on one inbox convert each document exactly once, and --once ends when the queue is done', async () => {
    server = await startTestServer({ engine: scriptedEngine({ latencyMs: 150 }), concurrency: 16 })
    workspace = await createWorkspace()
    const { inbox, out } = workspace
    const staging = join(workspace.folder.path, 'staging')
    await mkdir(staging)
    const expected = await writeNotes(staging, 0, 30)
    // Every instance is up before the documents arrive: all three find every one of them.
    const prefix = redis.prefix('exactly-once')
    const watchers = [0, 1, 2].map(() =>
      startWatcher({
        inbox,
        out,
        url: server!.url,
        token: server!.token,
        args: clusterArgs(prefix, ['--concurrency', '3']),
      }),
    )
    await Promise.all(watchers.map((watcher) => watcher.waitForLine((line) => line.message === 'watching')))
    for (const name of expected.keys()) await rename(join(staging, name), join(inbox, name))
    await eventually(async () => (await outputsOf(out)).length === expected.size, 60_000, 'every output')
    // Every instance queued documents: they all found them, and the queue kept one job per document.
    for (const watcher of watchers) {
      await watcher.waitForLine((line) => line.message === 'queued')
    }
    // Give a second conversion, if there were one, the time to show before counting.
    await sleep(500)
    for (const watcher of watchers) watcher.kill('SIGTERM')
    for (const watcher of watchers) expect(await watcher.exited, watcher.output().slice(-2000)).toBe(0)

    expect(await outputsOf(out)).toEqual([...expected.keys()].map((name) => `${name}.md`).sort())
    for (const [name, text] of expected) {
      expect(await readFile(join(out, `${name}.md`), 'utf8')).toContain(text)
    }
    const jobs = await jobsByFilename(server.url, server.token)
    expect(Object.fromEntries(jobs)).toEqual(
      Object.fromEntries([...expected.keys()].map((name) => [name, 1])),
    )
    expect(converted(watchers)).toBe(expected.size)

    // Restarted with --once over the converted inbox: nothing is submitted again, and each one ends.
    const again = [0, 1].map(() =>
      startWatcher({
        inbox,
        out,
        url: server!.url,
        token: server!.token,
        args: clusterArgs(prefix, ['--once']),
      }),
    )
    for (const watcher of again) expect(await watcher.exited, watcher.output().slice(-2000)).toBe(0)
    expect([...(await jobsByFilename(server.url, server.token)).values()].every((count) => count === 1)).toBe(
      true,
    )
    for (const watcher of [...watchers, ...again]) expect(watcher.output()).not.toContain(server.token)
  })
})

void createHash
void makePdf
void Redis
