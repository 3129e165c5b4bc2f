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
  eventually,
  listFiles,
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
  jobsByFilename,
  killLeftoverWatchers,
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

/** A small seeded generator, so that a failing run can be replayed (WATCH_CLUSTER_SEED). */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

/** The filename of every job the server holds, by job ID. */
async function filenamesByJob(url: string, token: string): Promise<Map<string, string>> {
  const names = new Map<string, string>()
  for (let skip = 0; ; skip += 100) {
    const response = await fetch(`${url}/api/jobs?perPage=100&skip=${skip}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const page = (await response.json()) as {
      totalCount: number
      items: Array<{ id: string; inputData: string }>
    }
    for (const job of page.items)
      names.set(job.id, (JSON.parse(job.inputData) as { filename: string }).filename)
    if (skip + 100 >= page.totalCount) return names
  }
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
    await eventually(async () => (await outputsOf(out)).length === expected.size, 'every output', {
      timeoutMs: 60_000,
    })
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

  it('refuses a --queue it cannot reach with exit code 2, naming it without its password', async () => {
    workspace = await createWorkspace()
    const stopped = await startTestRedis()
    await stopped.close()
    const watcher = startWatcher({
      inbox: workspace.inbox,
      out: workspace.out,
      args: ['--queue', `redis://:a-secret-password@127.0.0.1:${stopped.port}`],
    })
    expect(await watcher.exited).toBe(2)
    expect(watcher.output()).toContain(`cannot reach the queue at redis://127.0.0.1:${stopped.port}`)
    expect(watcher.output()).not.toContain('a-secret-password')
  })

  it('a 429 seen by one instance pauses the whole cluster for as long as Retry-After says', async () => {
    const retryAfterSeconds = 3
    server = await startTestServer({
      engine: scriptedEngine({ latencyMs: 50 }),
      faults: { rules: [{ route: 'submit', fault: { type: 'rateLimit', retryAfterSeconds }, count: 1 }] },
    })
    workspace = await createWorkspace()
    const { inbox, out } = workspace
    const staging = join(workspace.folder.path, 'staging')
    await mkdir(staging)
    const prefix = redis.prefix('rate-limit')
    const watchers = [0, 1].map(() =>
      startWatcher({
        inbox,
        out,
        url: server!.url,
        token: server!.token,
        args: clusterArgs(prefix, ['--concurrency', '2', '--stability-ms', '50']),
      }),
    )
    await Promise.all(watchers.map((watcher) => watcher.waitForLine((line) => line.message === 'watching')))
    await writeFile(join(inbox, 'first.txt'), 'the first document\n')
    // The first submit is answered 429: the instance that sent it pauses the queue of the whole cluster.
    const probe = new Redis(redis.url)
    let pausedUntil: number
    try {
      pausedUntil = await eventually(
        async () => {
          for (const key of await probe.keys(`${prefix}:*:limiter`)) {
            // BullMQ's own counter lives in the same key: a pause is the value it sets, far above any count.
            if (Number(await probe.get(key)) < 1e12) continue
            const before = Date.now()
            const ttl = await probe.pttl(key)
            if (ttl > 0) return before + ttl
          }
          return 0
        },
        'the cluster-wide pause',
        { timeoutMs: 20_000 },
      )
    } finally {
      probe.disconnect()
    }
    // Documents arriving during the pause wait for its end, on every instance (both have free slots).
    const later = await writeNotes(staging, 0, 6)
    for (const name of later.keys()) await rename(join(staging, name), join(inbox, name))
    await eventually(async () => (await outputsOf(out)).length === 7, 'every output', { timeoutMs: 30_000 })

    const requests = server.server.requests.filter((request) => request.route === 'submit')
    expect(requests.filter((request) => request.status === 429)).toHaveLength(1)
    const names = await filenamesByJob(server.url, server.token)
    const laterSubmits = requests.filter(
      (request) => request.status === 200 && later.has(names.get(request.jobId ?? '') ?? ''),
    )
    expect(laterSubmits).toHaveLength(later.size)
    for (const request of laterSubmits) {
      expect(
        request.startedAt,
        `submitted ${pausedUntil - request.startedAt} ms before the pause ended`,
      ).toBeGreaterThanOrEqual(pausedUntil - 2)
    }
    expect(
      watchers.some((watcher) => watcher.lines.some((line) => line.message.startsWith('rate limited'))),
    ).toBe(true)
    for (const watcher of watchers) watcher.kill('SIGTERM')
    for (const watcher of watchers) expect(await watcher.exited).toBe(0)
  })

  it('an instance that stalled past the lock leaves the document to the one that took it over', async () => {
    server = await startTestServer({ engine: scriptedEngine({ latencyMs: 1500 }) })
    workspace = await createWorkspace()
    const { inbox, out } = workspace
    const prefix = redis.prefix('takeover')
    const start = () =>
      startWatcher({ inbox, out, url: server!.url, token: server!.token, args: clusterArgs(prefix) })
    const first = start()
    await first.waitForLine((line) => line.message === 'watching')
    await writeFile(join(inbox, 'contested.txt'), 'one document, two instances\n')
    const submitted = await first.waitForLine((line) => line.message === 'submitted')
    // Frozen past its lock: it neither renews its claim nor answers, as on a machine that hangs.
    first.child.kill('SIGSTOP')
    const second = start()
    try {
      const resumed = await second.waitForLine((line) => line.message === 'resuming', 30_000)
      expect(resumed.jobId).toBe(submitted.jobId)
      await second.waitForLine((line) => line.message === 'converted' && line.path === 'contested.txt')
    } finally {
      first.child.kill('SIGCONT')
    }
    // Woken up with its result in hand: the outputs are no longer its to write.
    const lost = await first.waitForLine((line) => line.message.startsWith('taken over'))
    expect(lost.path).toBe('contested.txt')
    first.kill('SIGTERM')
    second.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    expect(await second.exited).toBe(0)
    expect(first.lines.some((line) => line.message === 'converted')).toBe(false)
    expect(await outputsOf(out)).toEqual(['contested.txt.md'])
    expect(await jobsByFilename(server.url, server.token)).toEqual(new Map([['contested.txt', 1]]))
  })

  it('kill -9 of one instance at random moments, ten times with restarts: nothing lost, partial or duplicated', async () => {
    const seed = Number(process.env.WATCH_CLUSTER_SEED ?? Date.now() % 100_000)
    const next = random(seed)
    server = await startTestServer({
      engine: scriptedEngine({ latencyMs: (document) => 500 + (document.size % 5) * 100 }),
      concurrency: 32,
    })
    workspace = await createWorkspace()
    const { inbox, out } = workspace
    const expected = new Map<string, string>()
    const addDocuments = async (from: number, count: number) => {
      for (let index = from; index < from + count; index++) {
        const folder = `group-${index % 3}`
        await mkdir(join(inbox, folder), { recursive: true })
        if (index % 4 === 0) {
          const pdf = await makePdf([`document ${index}`, `second page of ${index}`])
          await writeFile(join(inbox, folder, `doc-${index}.pdf`), pdf)
          expected.set(`${folder}/doc-${index}.pdf`, createHash('sha256').update(pdf).digest('hex'))
        } else {
          await writeFile(join(inbox, folder, `note-${index}.txt`), `note number ${index}\n`)
          expected.set(`${folder}/note-${index}.txt`, `note number ${index}`)
        }
      }
    }
    await addDocuments(0, 24)
    const prefix = redis.prefix('kill')
    const start = () =>
      startWatcher({
        inbox,
        out,
        url: server!.url,
        token: server!.token,
        args: clusterArgs(prefix, ['--concurrency', '2', '--stability-ms', '100']),
      })
    const watchers = [start(), start(), start()]
    const finished: WatcherProcess[] = []
    await Promise.all(watchers.map((watcher) => watcher.waitForLine((line) => line.message === 'watching')))
    const kills = 10
    for (let round = 0; round < kills; round++) {
      await addDocuments(24 + round * 8, 8)
      await sleep(200 + Math.floor(next() * 1000))
      const victim = Math.floor(next() * watchers.length)
      watchers[victim]!.kill('SIGKILL')
      await watchers[victim]!.exited
      finished.push(watchers[victim]!)
      watchers[victim] = start()
      await watchers[victim]!.waitForLine((line) => line.message === 'watching')
    }
    const names = [...expected.keys()].map((path) => `${path}.md`).sort()
    await eventually(
      async () => JSON.stringify(await outputsOf(out)) === JSON.stringify(names),
      `every output (seed ${seed})`,
      { timeoutMs: 90_000 },
    )
    // Every queue job has ended (none waiting, delayed, or being converted by anyone).
    const queueKeys = new Redis(redis.url)
    try {
      await eventually(
        async () => {
          const keys = await queueKeys.keys(`${prefix}:*:active`)
          const waiting = await queueKeys.keys(`${prefix}:*:wait`)
          const delayed = await queueKeys.keys(`${prefix}:*:delayed`)
          let count = 0
          for (const key of keys) count += await queueKeys.llen(key)
          for (const key of waiting) count += await queueKeys.llen(key)
          for (const key of delayed) count += await queueKeys.zcard(key)
          return count === 0
        },
        'an empty queue',
        { timeoutMs: 30_000 },
      )
    } finally {
      queueKeys.disconnect()
    }
    for (const watcher of watchers) watcher.kill('SIGTERM')
    for (const watcher of watchers) expect(await watcher.exited, watcher.output().slice(-2000)).toBe(0)

    // 0 lost, 0 duplicate: exactly the expected outputs; 0 partial: each one whole.
    expect(await outputsOf(out), `seed ${seed}`).toEqual(names)
    for (const [path, content] of expected) {
      const text = await readFile(join(out, `${path}.md`), 'utf8')
      expect(text, `${path}, seed ${seed}`).toContain(content)
    }
    const jobs = await jobsByFilename(server.url, server.token)
    let extra = 0
    for (const path of expected.keys()) {
      const count = jobs.get(path.split('/').pop()!) ?? 0
      expect(count, `${path}, seed ${seed}`).toBeGreaterThanOrEqual(1)
      extra += count - 1
    }
    // Conversions a kill cut short: jobs a killed instance submitted or resumed and did not finish.
    let cut = 0
    for (const watcher of finished) {
      const open = new Set<string>()
      for (const line of watcher.lines) {
        if ((line.message === 'submitted' || line.message === 'resuming') && line.path) open.add(line.path)
        if (line.message === 'converted' && line.path) open.delete(line.path)
      }
      cut += open.size
    }
    const resumed = [...finished, ...watchers].reduce(
      (sum, watcher) =>
        sum +
        watcher.lines.filter((line) => line.message === 'resuming' || line.message.startsWith('adopted'))
          .length,
      0,
    )
    console.log(
      `seed ${seed}: ${extra} extra submits over ${kills} kills that cut ${cut} conversions short; ${resumed} jobs resumed or adopted`,
    )
    expect(extra, `seed ${seed}`).toBeLessThanOrEqual(kills)
    for (const watcher of [...finished, ...watchers]) expect(watcher.output()).not.toContain(server.token)
    // A hang guard above the waits inside (90 s for the outputs, 30 s for the queue), not a speed limit: thirteen
    // watcher starts on a loaded machine take most of a minute by themselves.
  }, 180_000)

  it('--split-pages: the instance that takes over a killed one resumes its document from the pages in the shared journal', async () => {
    const pageOf = (filename: string) => Number(/-p(\d+)\.pdf$/.exec(filename)?.[1])
    const engine = scriptedEngine({ hold: (document) => pageOf(document.filename) >= 4 })
    server = await startTestServer({ engine })
    workspace = await createWorkspace()
    const { inbox, out } = workspace
    const prefix = redis.prefix('pages')
    const args = clusterArgs(prefix, ['--split-pages', '--concurrency', '2'])
    await writeFile(join(inbox, 'book.pdf'), await makePdf(['1', '2', '3', '4', '5', '6', '7', '8']))
    const first = startWatcher({ inbox, out, url: server.url, token: server.token, args })
    // Pages 1-3 done, 4 and 5 held on the server, 6-8 never submitted.
    await engine.gate.whenWaiting(2)
    const probe = new Redis(redis.url)
    try {
      await eventually(async () => {
        const record = JSON.parse((await probe.hget(`${prefix}:journal`, 'book.pdf')) ?? '{}') as {
          pages?: { ranges: Array<{ jobId?: string }> }
        }
        return record.pages?.ranges.filter((range) => range.jobId).length === 5
      }, 'the shared journal holding the jobs of pages 1 to 5')
    } finally {
      probe.disconnect()
    }
    first.kill('SIGKILL')
    await first.exited
    engine.gate.open()
    const submits = () => server!.server.requests.filter((request) => request.route === 'submit').length
    expect(submits()).toBe(5)
    const second = startWatcher({
      inbox,
      out,
      url: server.url,
      token: server.token,
      args: [...args, '--once'],
    })
    expect(await second.exited, second.output().slice(-3000)).toBe(0)
    expect(submits()).toBe(8)
    expect(
      engine.calls
        .slice(5)
        .map((call) => pageOf(call.document.filename))
        .sort(),
    ).toEqual([6, 7, 8])
    const markdown = await readFile(join(out, 'book.pdf.md'), 'utf8')
    expect([...markdown.matchAll(/^# book-p(\d+)\.pdf$/gm)].map((match) => Number(match[1]))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ])
  })
})
