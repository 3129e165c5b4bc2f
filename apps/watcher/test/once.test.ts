import { readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { scriptedEngine } from '@numarkdown/server'
import { listFiles, makePdf, startTestServer, type TestServer } from '@numarkdown/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createWorkspace, exists, killLeftoverWatchers, startWatcher } from './harness.js'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer({
    engine: scriptedEngine({
      latencyMs: 10,
      outcome: (document) =>
        document.filename.startsWith('rejected')
          ? { type: 'fail', code: 'Unsupported', message: 'cannot read this' }
          : 'complete',
    }),
  })
})
afterAll(() => server?.close())
afterEach(killLeftoverWatchers)

/** Bad files of every kind beside good ones: they reach their final states at different moments. */
async function fillInbox(inbox: string, outside: string): Promise<Record<string, 'converted' | 'failed'>> {
  const pdf = await makePdf(['a whole document'])
  await writeFile(join(inbox, 'empty.pdf'), '')
  await writeFile(join(inbox, 'not-a-pdf.pdf'), 'just some text, no header')
  await writeFile(join(inbox, 'cut.pdf'), pdf.subarray(0, Math.floor(pdf.length / 2)))
  await writeFile(join(inbox, 'rejected.pdf'), await makePdf(['the engine refuses this one']))
  await writeFile(join(inbox, 'rejected-too.html'), '<p>refused as well</p>')
  await symlink('loop.pdf', join(inbox, 'loop.pdf'))
  await writeFile(outside, 'outside')
  await symlink(outside, join(inbox, 'escape.txt'))
  await writeFile(join(inbox, 'good.pdf'), pdf)
  await writeFile(join(inbox, 'good.html'), '<p>good</p>')
  await writeFile(join(inbox, 'good.txt'), 'good')
  return {
    'cut.pdf': 'failed',
    'empty.pdf': 'failed',
    'escape.txt': 'failed',
    'good.html': 'converted',
    'good.pdf': 'converted',
    'good.txt': 'converted',
    'loop.pdf': 'failed',
    'not-a-pdf.pdf': 'failed',
    'rejected-too.html': 'failed',
    'rejected.pdf': 'failed',
  }
}

describe('--once with several bad files', () => {
  // The failures land at different moments (at once, after the engine answers, after the incomplete wait):
  // each run of the loop is a fresh chance for the end of the run to overtake one of them.
  it.each([1, 2, 3, 4])(
    'reports every file, ends with exit code 1, and leaves a closed, complete journal (run %i)',
    async () => {
      const { folder, inbox, out } = await createWorkspace()
      try {
        const expected = await fillInbox(inbox, join(folder.path, 'outside.txt'))
        const watcher = startWatcher({
          inbox,
          out,
          url: server.url,
          token: server.token,
          args: ['--once', '--stability-ms', '40', '--concurrency', '3'],
        })
        const code = await watcher.exited
        expect(watcher.stderr(), watcher.output()).toBe('')
        expect(code, watcher.output()).toBe(1)
        const summary = watcher.lines.find((line) => line.message === 'summary')
        expect(summary, watcher.output()).toBeDefined()
        const rows = summary!.rows as Array<{ path: string; outcome: string }>
        expect(Object.fromEntries(rows.map((row) => [row.path, row.outcome]))).toEqual(expected)
        expect(summary).toMatchObject({ converted: 3, failed: 7, unchanged: 0 })
        // Nothing after the summary: the run ended once, cleanly.
        expect(watcher.lines.at(-1)?.message).toBe('summary')

        const journal = (await readFile(join(out, '.numarkdown-watch', 'state.jsonl'), 'utf8'))
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { path: string; status: string })
        expect(Object.fromEntries(journal.map((record) => [record.path, record.status]))).toEqual(
          Object.fromEntries(
            Object.entries(expected).map(([path, outcome]) => [
              path,
              outcome === 'converted' ? 'done' : 'failed',
            ]),
          ),
        )
        expect(await exists(join(out, '.numarkdown-watch', 'state.jsonl.lock'))).toBe(false)
        const files = await listFiles(out)
        expect(files.filter((file) => file.endsWith('.tmp'))).toEqual([])
        for (const [path, outcome] of Object.entries(expected)) {
          expect(files).toContain(outcome === 'converted' ? `${path}.md` : `.failed/${path}.error.json`)
        }
      } finally {
        await folder.remove()
      }
    },
  )
})
