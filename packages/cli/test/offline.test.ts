import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './harness.js'

let folder: { path: string; remove(): Promise<void> }
beforeAll(async () => {
  folder = await tempDir('numarkdown-cli-')
})
afterAll(() => folder.remove())

describe('without NUMIND_API_KEY', () => {
  it('converts offline with the local engine in this process and says so once on stderr', async () => {
    await writeFile(join(folder.path, 'page.html'), '<h1>Offline</h1><p>No key, <b>no network</b>.</p>')
    await writeFile(join(folder.path, 'other.html'), '<h2>Second</h2><ul><li>one</li><li>two</li></ul>')
    const run = await runCli({ args: ['page.html', 'other.html', '-o', 'out'], cwd: folder.path })
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      'numarkdown: no NUMIND_API_KEY: converting offline with the local engine (set NUMIND_API_KEY for the NuMind API)\n',
    )
    expect(await readFile(join(folder.path, 'out', 'page.html.md'), 'utf8')).toMatch(
      /# Offline[\s\S]*\*\*no network\*\*/,
    )
    expect(await readFile(join(folder.path, 'out', 'other.html.md'), 'utf8')).toMatch(/## Second[\s\S]*- one/)
  })

  it('converts a document piped into stdin offline', async () => {
    // Reading what stdin is must not disturb loading the local server afterwards (a stat of a pipe did, on
    // Node 20: the server's dependencies then resolved to paths they cannot load from).
    const run = await runCli({
      args: ['-'],
      cwd: folder.path,
      stdin: '<!doctype html><h1>Piped</h1><p>through <i>stdin</i></p>',
    })
    expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/^# Piped\n\nthrough _stdin_\n$/) })
  })
})
