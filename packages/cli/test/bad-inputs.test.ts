import { execFileSync, spawnSync } from 'node:child_process'
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { listFiles, startTestServer, type TestServer, tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { cleanEnvironment, cli, runCli } from './harness.js'

// Root reads a chmod 000 file anyway: as root, the command runs as `nobody` so that permissions mean something.
const asRoot = process.getuid?.() === 0
const nobody = 65534
const hasScript = spawnSync('script', ['--version']).status === 0

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

/** Runs `numarkdown <input> -o out.md` and checks the one line on stderr, the empty stdout, and no output. */
async function expectRefused(input: string, line: string, options: { uid?: number } = {}): Promise<void> {
  const run = await runCli({ args: [input, '-o', 'out.md'], cwd: folder.path, server, ...options })
  expect(run).toEqual({ code: 1, stdout: '', stderr: `numarkdown: ${line}\n` })
  expect(
    (await listFiles(folder.path)).filter((name) => name.startsWith('out') || name.includes('.tmp')),
  ).toEqual([])
}

describe('bad input: one clear line each, nothing on stdout, no output file', () => {
  it('a missing file', async () => {
    await expectRefused('missing.pdf', 'missing.pdf: no such file or folder')
  })

  it('a folder without documents', async () => {
    await mkdir(join(folder.path, 'empty'))
    await writeFile(join(folder.path, 'empty', 'data.xyz'), 'not a document type')
    await expectRefused(
      'empty',
      'empty: no documents in this folder (looked for .pdf .png .jpg .jpeg .tif .tiff .webp .bmp .docx .html .htm .txt)',
    )
  })

  it('a glob that matches nothing', async () => {
    await expectRefused('scans/*.pdf', 'scans/*.pdf: no file matches this pattern')
  })

  it('an unreadable file', async () => {
    const path = join(folder.path, 'secret.pdf')
    await writeFile(path, '%PDF-1.7 a secret')
    await chmod(path, 0o000)
    if (asRoot) await chown(folder.path, nobody, nobody)
    await expectRefused('secret.pdf', 'secret.pdf: cannot read it: permission denied (EACCES)', {
      ...(asRoot ? { uid: nobody } : {}),
    })
  })

  it('an unsupported format', async () => {
    // Bytes of no document format (and not text): a random-looking binary file.
    const bytes = Buffer.alloc(4096)
    for (let index = 0; index < bytes.length; index++) bytes[index] = (index * 7919 + 13) % 251
    await writeFile(join(folder.path, 'data.bin'), bytes)
    await expectRefused(
      'data.bin',
      'data.bin: unsupported format: not a PDF, an image, an office document, HTML or text file',
    )
    // A zip archive is a known format, but not a document.
    execFileSync(
      'python3',
      ['-c', "import zipfile; zipfile.ZipFile('archive.zip', 'w').writestr('a.txt', 'x')"],
      {
        cwd: folder.path,
      },
    )
    await expectRefused(
      'archive.zip',
      'archive.zip: unsupported format: not a PDF, an image, an office document, HTML or text file',
    )
  })

  it('an empty file, and empty stdin', async () => {
    await writeFile(join(folder.path, 'empty.pdf'), '')
    await expectRefused('empty.pdf', 'empty.pdf: the file is empty')
    const run = await runCli({ args: ['-'], cwd: folder.path, server, stdin: '' })
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'numarkdown: stdin: empty input: no bytes were read\n',
    })
  })

  it.skipIf(!hasScript)('stdin that is a terminal (a usage error)', () => {
    // `script` gives the command a pseudo-terminal as stdin (and stdout/stderr, merged in its output).
    for (const args of [['-'], []]) {
      const command = [process.execPath, cli, ...args].map((part) => `'${part}'`).join(' ')
      const result = spawnSync('script', ['-qec', command, '/dev/null'], {
        cwd: folder.path,
        env: cleanEnvironment(),
        encoding: 'utf8',
        input: '',
      })
      expect(result.status).toBe(2)
      const lines = result.stdout.replaceAll('\r', '').trimEnd().split('\n')
      expect(lines[0]).toMatch(
        args.length === 0
          ? /^numarkdown: no input: name a document, or pipe one in \(numarkdown - < scan\.png\)$/
          : /^numarkdown: stdin is a terminal: pipe a document in \(numarkdown - < scan\.png\) or name a file$/,
      )
      expect(lines).toHaveLength(2) // and "(see numarkdown --help)"
    }
  })
})
