import { mkdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Engine } from '@numarkdown/server'
import { scriptedEngine } from '@numarkdown/server'
import { listFiles, startTestServer, type TestServer, tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { runCli, startCli } from './harness.js'

let server: TestServer
let folder: { path: string; remove(): Promise<void> }

beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())
beforeEach(async () => {
  folder = await tempDir('numarkdown-cli-')
  return () => folder.remove()
})

/** docs/a.txt, docs/sub/b.html, docs/sub/c.txt, and files a folder search leaves alone. */
async function writeDocs(): Promise<string> {
  const docs = join(folder.path, 'docs')
  await mkdir(join(docs, 'sub'), { recursive: true })
  await writeFile(join(docs, 'a.txt'), 'alpha')
  await writeFile(join(docs, 'sub', 'b.html'), '<!doctype html><p>bravo</p>')
  await writeFile(join(docs, 'sub', 'c.txt'), 'charlie')
  await writeFile(join(docs, '.hidden.txt'), 'hidden')
  await writeFile(join(docs, 'notes.xyz'), 'not a document type a folder search takes')
  await writeFile(join(docs, '~$lock.docx'), 'an office lock file')
  return docs
}

describe('many documents', () => {
  it('converts a folder into -o out/, named like numarkdown-watch names its outputs', async () => {
    await writeDocs()
    const run = await runCli({ args: ['docs', '-o', 'out/'], cwd: folder.path, server })
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(await listFiles(join(folder.path, 'out'))).toEqual(['a.txt.md', 'sub/b.html.md', 'sub/c.txt.md'])
    expect(await readFile(join(folder.path, 'out', 'sub', 'c.txt.md'), 'utf8')).toBe('charlie\n')
  })

  it('expands a quoted glob, relative to the folder it starts from', async () => {
    await writeDocs()
    const run = await runCli({ args: ['docs/**/*.txt', '-o', 'out'], cwd: folder.path, server })
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(await listFiles(join(folder.path, 'out'))).toEqual(['a.txt.md', 'sub/c.txt.md'])
  })

  it('names outputs <stem>.md with --stem-names, and refuses two documents for one output', async () => {
    const docs = await writeDocs()
    const run = await runCli({ args: ['docs', '-o', 'out', '--stem-names'], cwd: folder.path, server })
    expect(run.code).toBe(0)
    expect(await listFiles(join(folder.path, 'out'))).toEqual(['a.md', 'sub/b.md', 'sub/c.md'])

    await writeFile(join(docs, 'a.html'), '<!doctype html><p>another a</p>')
    const clash = await runCli({ args: ['docs', '-o', 'clash', '--stem-names'], cwd: folder.path, server })
    expect(clash.code).toBe(2)
    expect(clash.stderr).toContain('docs/a.html and docs/a.txt would both write')
    expect(await listFiles(join(folder.path, 'clash'))).toEqual([])
  })

  it('writes JSON lines on stdout for many documents with --json', async () => {
    await writeDocs()
    const run = await runCli({ args: ['docs', '--json', '--concurrency', '3'], cwd: folder.path, server })
    expect(run.code).toBe(0)
    const lines = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { input: string; markdown: string })
    expect(lines.map((line) => [line.input, line.markdown]).sort()).toEqual([
      ['docs/a.txt', 'alpha'],
      ['docs/sub/b.html', '<!doctype html><p>bravo</p>'],
      ['docs/sub/c.txt', 'charlie'],
    ])
  })

  it('stops quietly, cancelling the rest, when the reader of stdout goes away', async () => {
    for (let index = 0; index < 12; index++) {
      await writeFile(join(folder.path, `doc-${index}.txt`), `document ${index}`)
    }
    const cli = startCli({ args: ['.', '--json', '--concurrency', '2'], cwd: folder.path, server })
    cli.child.stdout!.once('data', () => cli.child.stdout!.destroy())
    expect(await cli.exited).toBe(1)
    expect(cli.stderr()).toBe('')
  })

  it('asks for -o or --json rather than mixing many documents on stdout', async () => {
    await writeDocs()
    const run = await runCli({ args: ['docs'], cwd: folder.path, server })
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/3 documents: give -o <folder> .* or --json/)
  })

  it('never overwrites an output newer than its document, unless --force', async () => {
    const docs = await writeDocs()
    expect((await runCli({ args: ['docs', '-o', 'out'], cwd: folder.path, server })).code).toBe(0)
    const output = join(folder.path, 'out', 'a.txt.md')
    await writeFile(output, 'edited by hand')
    const later = new Date(Date.now() + 60_000)
    await utimes(output, later, later)

    const again = await runCli({ args: ['docs', '-o', 'out'], cwd: folder.path, server })
    expect(again.code).toBe(0)
    expect(again.stderr).toContain('docs/a.txt: skipped: out/a.txt.md is newer than it (--force')
    expect(await readFile(output, 'utf8')).toBe('edited by hand')

    // A document changed after its output was written is converted again.
    const newer = new Date(Date.now() + 120_000)
    await writeFile(join(docs, 'a.txt'), 'alpha, revised')
    await utimes(join(docs, 'a.txt'), newer, newer)
    expect((await runCli({ args: ['docs', '-o', 'out'], cwd: folder.path, server })).code).toBe(0)
    expect(await readFile(output, 'utf8')).toBe('alpha, revised\n')

    await writeFile(output, 'edited again')
    const latest = new Date(Date.now() + 180_000)
    await utimes(output, latest, latest)
    const forced = await runCli({ args: ['docs', '-o', 'out', '--force'], cwd: folder.path, server })
    expect(forced).toMatchObject({ code: 0, stderr: '' })
    expect(await readFile(output, 'utf8')).toBe('alpha, revised\n')
  })

  it('writes nothing outside the -o folder, even through a symbolic link inside it', async () => {
    await writeDocs()
    const elsewhere = join(folder.path, 'elsewhere')
    await mkdir(elsewhere)
    await mkdir(join(folder.path, 'out'))
    await symlink(elsewhere, join(folder.path, 'out', 'sub'))
    const run = await runCli({ args: ['docs', '-o', 'out'], cwd: folder.path, server })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /^numarkdown: docs\/sub\/b\.html: converted, but the result could not be written: refusing to write outside /m,
    )
    expect(await listFiles(elsewhere)).toEqual([])
    expect(await readFile(join(folder.path, 'out', 'a.txt.md'), 'utf8')).toBe('alpha\n')
  })

  it('converts the good documents and names each bad one, exiting 1', async () => {
    await writeDocs()
    const run = await runCli({
      args: ['docs/a.txt', 'missing.pdf', 'docs/notes.xyz', 'docs/sub/c.txt', '-o', 'out'],
      cwd: folder.path,
      server,
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe('numarkdown: missing.pdf: no such file or folder\n')
    expect(await listFiles(join(folder.path, 'out'))).toEqual(['a.txt.md', 'c.txt.md', 'notes.xyz.md'])
  })
})

describe('--concurrency', () => {
  it('keeps at most N documents converting at once', async () => {
    const scripted = scriptedEngine({ hold: true })
    let running = 0
    let mostAtOnce = 0
    const counting: Engine = {
      name: 'counting',
      async convert(document, params, signal) {
        running++
        mostAtOnce = Math.max(mostAtOnce, running)
        try {
          return await scripted.convert(document, params, signal)
        } finally {
          running--
        }
      },
    }
    const countingServer = await startTestServer({ engine: counting, concurrency: 16 })
    try {
      for (let index = 0; index < 6; index++) {
        await writeFile(join(folder.path, `doc-${index}.txt`), `document ${index}`)
      }
      const cli = startCli({
        args: ['.', '-o', 'out', '--concurrency', '2'],
        cwd: folder.path,
        server: countingServer,
      })
      // Let one document through each time two wait: a third one converting at once would be seen.
      for (let left = 6; left > 0; left--) {
        await scripted.gate.whenWaiting(Math.min(2, left))
        expect(scripted.gate.release(scripted.gate.waiting[0]!.filename)).toBe(1)
      }
      expect(await cli.exited).toBe(0)
      expect(mostAtOnce).toBe(2)
      expect(await listFiles(join(folder.path, 'out'))).toHaveLength(6)
    } finally {
      await countingServer.close()
    }
  })
})
