import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { listFiles, tempDir } from '@numarkdown/testing'
import { beforeEach, describe, expect, it } from 'vitest'
import { runCli } from './harness.js'

let folder: { path: string; remove(): Promise<void> }

beforeEach(async () => {
  folder = await tempDir('numarkdown-cli-')
  await writeFile(join(folder.path, 'a.txt'), 'alpha')
  return () => folder.remove()
})

async function usage(args: string[], env: Record<string, string> = {}): Promise<string> {
  const run = await runCli({ args, cwd: folder.path, env })
  expect(run.code).toBe(2)
  expect(run.stdout).toBe('')
  expect(run.stderr.endsWith('(see numarkdown --help)\n')).toBe(true)
  return run.stderr.split('\n')[0]!
}

describe('usage', () => {
  it('--help prints usage and examples on stdout, --version the version', async () => {
    const help = await runCli({ args: ['--help'], cwd: folder.path })
    expect(help.code).toBe(0)
    expect(help.stderr).toBe('')
    expect(help.stdout).toMatch(/^numarkdown: convert documents to markdown/)
    expect(help.stdout).toContain('Examples:\n  numarkdown report.pdf > report.md\n')
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'))
    expect(await runCli({ args: ['--version'], cwd: folder.path })).toEqual({
      code: 0,
      stdout: `${manifest.version}\n`,
      stderr: '',
    })
  })

  it('an unknown flag is a usage error with the closest known flag', async () => {
    expect(await usage(['a.txt', '--frce'])).toBe('numarkdown: unknown option --frce: did you mean --force?')
    expect(await usage(['a.txt', '--split-page'])).toBe(
      'numarkdown: unknown option --split-page: did you mean --split-pages?',
    )
    expect(await usage(['a.txt', '--zzzzzzzz'])).toBe('numarkdown: unknown option --zzzzzzzz')
    expect(await usage(['a.txt', '-x'])).toBe('numarkdown: unknown option -x')
  })

  it('a bad value names the flag and the value', async () => {
    expect(await usage(['a.txt', '--temperature', '3.4'])).toBe(
      'numarkdown: --temperature: expected 0 ≤ temperature ≤ 1, got 3.4',
    )
    expect(await usage(['a.txt', '--dpi', 'high'])).toBe('numarkdown: --dpi: expected a number, got "high"')
    expect(await usage(['a.txt', '--timeout', 'soon'])).toMatch(/^numarkdown: --timeout: .*got "?soon"?/)
    expect(await usage(['a.txt', '--concurrency', '0'])).toBe(
      'numarkdown: --concurrency: expected an integer from 1 to 256, got 0',
    )
    expect(await usage(['a.txt', '--pages', '1-x'])).toBe(
      'numarkdown: --pages "1-x": "1-x" is not a page or a range like 3-5 or 10-',
    )
    expect(await usage(['a.txt', '--pages', '5-2'])).toBe(
      'numarkdown: --pages "5-2": the range 5-2 ends before it starts',
    )
    expect(await usage(['a.txt', '-o'])).toMatch(
      /^numarkdown: Option '-o, --output <value>' argument missing/,
    )
  })

  it('options that do not go together', async () => {
    expect(await usage(['a.txt', '--json', '--reasoning'])).toBe(
      'numarkdown: --json already holds the reasoning: drop --reasoning',
    )
    expect(await usage(['a.txt', '--resume', 'job-1'])).toMatch(/^numarkdown: --resume job-1 .*give no input/)
    expect(await usage(['a.txt', '--stem-names'])).toBe(
      'numarkdown: --stem-names names output files: give -o <folder> too',
    )
    expect(await usage(['a.txt', '--base-url', 'http://127.0.0.1:9'])).toBe(
      'numarkdown: --base-url http://127.0.0.1:9: set NUMIND_API_KEY to the token this server accepts',
    )
    expect(await usage(['--resume', 'job-1'])).toMatch(/^numarkdown: --resume needs NUMIND_API_KEY/)
    expect(await usage(['a.txt', 'a.txt', '-', '-'])).toBe('numarkdown: - (stdin) can be read only once')
    expect(await usage(['a.txt', '--on-page-error', 'skip'])).toBe(
      'numarkdown: --on-page-error skip applies to pages converted one by one: give --split-pages too',
    )
    expect(await usage(['a.txt', '--split-pages', '--on-page-error', 'ignore'])).toBe(
      'numarkdown: --on-page-error: expected fail or skip, got "ignore"',
    )
    expect(await listFiles(folder.path)).toEqual(['a.txt'])
  })
})
