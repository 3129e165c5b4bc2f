import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { scriptedEngine } from '@numarkdown/server'
import { listFiles, makePdf, startTestServer, type TestServer, tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobsByFilename, startWatcher } from './harness.js'

let folder: { path: string; remove(): Promise<void> }
let server: TestServer

beforeAll(async () => {
  folder = await tempDir()
  // The server outlives every watcher process: it is the witness of what was submitted.
  server = await startTestServer({
    engine: scriptedEngine({ latencyMs: (document) => 40 + (document.size % 7) * 15 }),
    concurrency: 4,
  })
})

afterAll(async () => {
  await server?.close()
  await folder?.remove()
})

/** A small seeded generator, so that a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

describe('kill -9 at random moments', () => {
  it('ends with exactly one complete output per document and no duplicate beyond jobs in flight', async () => {
    const seed = Number(process.env.WATCH_CRASH_SEED ?? Date.now() % 100_000)
    const next = random(seed)
    const inbox = join(folder.path, 'inbox')
    const out = join(folder.path, 'out')
    const expected = new Map<string, string>()
    const addDocuments = async (from: number, to: number) => {
      for (let index = from; index < to; index++) {
        const sub = `group-${index % 3}`
        await mkdir(join(inbox, sub), { recursive: true })
        if (index % 2 === 0) {
          const pdf = await makePdf([`document ${index}`, `second page of ${index}`])
          await writeFile(join(inbox, sub, `doc-${index}.pdf`), pdf)
          expected.set(`${sub}/doc-${index}.pdf`, createHash('sha256').update(pdf).digest('hex'))
        } else {
          await writeFile(join(inbox, sub, `note-${index}.txt`), `note number ${index}\n`)
          expected.set(`${sub}/note-${index}.txt`, `note number ${index}`)
        }
      }
    }
    await addDocuments(0, 50)
    const concurrency = 4
    const rounds = 5
    let kills = 0
    let interrupted = 0
    let converted = 0
    const outputs: string[] = []
    for (let round = 0; round < rounds; round++) {
      if (round === 2) await addDocuments(50, 60)
      const watcher = startWatcher({
        inbox,
        out,
        url: server.url,
        token: server.token,
        args: ['--concurrency', String(concurrency), '--stability-ms', '100'],
      })
      await watcher.waitForLine((line) => line.message === 'watching')
      await sleep(200 + Math.floor(next() * 1300))
      watcher.kill('SIGKILL')
      await watcher.exited
      kills++
      outputs.push(watcher.output())
      const submitted = new Set(
        watcher.lines.filter((line) => line.message === 'submitted').map((line) => line.jobId),
      )
      for (const line of watcher.lines) if (line.message === 'converted') submitted.delete(line.jobId)
      interrupted += submitted.size
      converted += watcher.lines.filter((line) => line.message === 'converted').length
    }
    console.log(
      `seed ${seed}: ${converted} converted before the last start, ${interrupted} jobs cut by a kill`,
    )
    const last = startWatcher({
      inbox,
      out,
      url: server.url,
      token: server.token,
      args: ['--once', '--concurrency', String(concurrency), '--stability-ms', '100'],
    })
    expect(await last.exited, `seed ${seed}\n${last.output().slice(-3000)}`).toBe(0)
    outputs.push(last.output())

    const files = (await listFiles(out)).filter((file) => !file.startsWith('.numarkdown-watch/'))
    expect(files, `seed ${seed}`).toEqual([...expected.keys()].map((path) => `${path}.md`).sort())
    for (const [path, content] of expected) {
      expect(await readFile(join(out, `${path}.md`), 'utf8'), `${path}, seed ${seed}`).toContain(content)
    }
    const jobs = await jobsByFilename(server.url, server.token)
    let duplicates = 0
    for (const path of expected.keys()) {
      const name = path.split('/').pop()!
      const count = jobs.get(name) ?? 0
      expect(count, `${name}, seed ${seed}`).toBeGreaterThanOrEqual(1)
      expect(count, `${name}, seed ${seed}`).toBeLessThanOrEqual(1 + kills)
      duplicates += count - 1
    }
    // Only a submission the server accepted in the instant before a kill, not yet journaled, is sent again.
    expect(duplicates, `seed ${seed}`).toBeLessThanOrEqual(kills * concurrency)
    for (const output of outputs) expect(output).not.toContain(server.token)
    console.log(`seed ${seed}: ${duplicates} duplicate submissions over ${kills} kills`)
  })
})
