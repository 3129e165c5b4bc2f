import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { scriptedEngine } from '@numarkdown/server'
import { listFiles, startTestServer, type TestServer } from '@numarkdown/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createWorkspace, killLeftoverWatchers, startWatcher } from './harness.js'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer({
    engine: scriptedEngine({
      outcome: (document) =>
        document.filename.startsWith('bad')
          ? { type: 'fail', code: 'Corrupt', message: 'cannot read this' }
          : 'complete',
    }),
  })
})
afterAll(() => server?.close())
afterEach(killLeftoverWatchers)

/** A name of exactly `bytes` bytes (UTF-8) ending in `.html`, built from `unit` repeated then padded. */
function nameOf(prefix: string, unit: string, bytes: number): string {
  let name = prefix
  while (Buffer.byteLength(`${name}${unit}.html`) <= bytes) name += unit
  while (Buffer.byteLength(`${name}.html`) < bytes) name += 'x'
  return `${name}.html`
}

describe('file names near the 255-byte limit', () => {
  it('converts each, into a shortened, unique, readable output name the journal agrees with', async () => {
    const { folder, inbox, out } = await createWorkspace()
    try {
      const names = [
        nameOf('a-', 'a', 242),
        nameOf('a-', 'a', 245),
        nameOf('a-', 'a', 250),
        nameOf('a-', 'a', 255),
        // Two names alike but for their end: they must not share an output.
        `${nameOf('twin-', 'é', 251).slice(0, -6)}1.html`,
        `${nameOf('twin-', 'é', 251).slice(0, -6)}2.html`,
        nameOf('cjk-', '文書', 255),
        nameOf('emoji-', '👩‍💻', 254),
        nameOf('bad-', 'b', 255),
      ]
      for (const name of names) {
        expect(Buffer.byteLength(name)).toBeGreaterThanOrEqual(242)
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255)
        await writeFile(join(inbox, name), `<p>content of ${name}</p>`)
      }
      const watcher = startWatcher({
        inbox,
        out,
        url: server.url,
        token: server.token,
        args: ['--once', '--reasoning'],
      })
      const code = await watcher.exited
      expect(code, watcher.output().slice(-3000)).toBe(1)
      expect(watcher.stderr()).toBe('')

      const summary = watcher.lines.find((line) => line.message === 'summary')!
      const rows = summary.rows as Array<{ path: string; outcome: string; output: string }>
      expect(rows).toHaveLength(names.length)
      const journal = Object.fromEntries(
        (await readFile(join(out, '.numarkdown-watch', 'state.jsonl'), 'utf8'))
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { path: string; status: string })
          .map((record) => [record.path, record.status]),
      )
      const outputs = new Set<string>()
      for (const name of names) {
        const row = rows.find((candidate) => candidate.path === name)!
        const bad = name.startsWith('bad')
        expect(row.outcome, name).toBe(bad ? 'failed' : 'converted')
        expect(journal[name], name).toBe(bad ? 'failed' : 'done')
        const output = row.output.slice(row.output.lastIndexOf('/') + 1)
        expect(Buffer.byteLength(output), output).toBeLessThanOrEqual(255)
        outputs.add(output)
        if (bad) {
          expect(output).toMatch(/~[0-9a-f]{8}\.html\.error\.json$/)
          expect(await readFile(row.output, 'utf8')).toContain('cannot read this')
          continue
        }
        // Readable: the start of the name and its extension, then `.md`; whole: the content is there.
        expect(output.startsWith(name.slice(0, 20)), output).toBe(true)
        expect(await readFile(row.output, 'utf8')).toContain('content of')
        expect(await readFile(row.output.replace(/\.md$/, '.reasoning.md'), 'utf8')).toBeTruthy()
      }
      expect(outputs.size).toBe(names.length)
      // Names up to the limit less the longest suffix (.reasoning.md) are kept as they are.
      expect(await readdir(out)).toContain(`${names[0]}.md`)
      expect((await listFiles(out)).filter((file) => file.endsWith('.tmp'))).toEqual([])
      for (const file of await listFiles(out)) {
        for (const part of file.split('/')) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(255)
        expect(file).not.toContain('\ufffd')
      }
    } finally {
      await folder.remove()
    }
  })
})
