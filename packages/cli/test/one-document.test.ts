import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NuMarkdownClient } from '@numarkdown/core'
import { type ScriptedEngine, scriptedEngine } from '@numarkdown/server'
import { listFiles, makePdf, startTestServer, type TestServer, tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from './harness.js'

let server: TestServer
let engine: ScriptedEngine
let folder: { path: string; remove(): Promise<void> }

beforeAll(async () => {
  engine = scriptedEngine({
    outcome: (document) =>
      document.filename.startsWith('broken')
        ? { type: 'fail', code: 'InvalidDocument', message: 'The document is damaged' }
        : 'complete',
  })
  server = await startTestServer({ engine })
})
afterAll(() => server.close())
beforeEach(async () => {
  folder = await tempDir('numarkdown-cli-')
  return () => folder.remove()
})

describe('one document', () => {
  it('prints the markdown of a file on stdout and nothing else, quietly off a terminal', async () => {
    await writeFile(join(folder.path, 'notes.md'), '# Notes\n\nSome *text*.')
    const run = await runCli({ args: ['notes.md'], cwd: folder.path, server })
    expect(run).toEqual({ code: 0, stdout: '# Notes\n\nSome *text*.\n', stderr: '' })
  })

  it('reads stdin with - and without any input when stdin is piped', async () => {
    const piped = await runCli({ args: ['-'], cwd: folder.path, server, stdin: '# From a pipe\n' })
    expect(piped).toMatchObject({ code: 0, stdout: '# From a pipe\n' })
    const implicit = await runCli({ args: [], cwd: folder.path, server, stdin: '# No argument\n' })
    expect(implicit).toMatchObject({ code: 0, stdout: '# No argument\n' })
    const pdf = await makePdf(['A scanned page'])
    const binary = await runCli({ args: ['-'], cwd: folder.path, server, stdin: pdf })
    expect(binary.code).toBe(0)
    // The upload is named after stdin and the detected type, so that the server knows what it got.
    expect(binary.stdout).toContain('stdin.pdf')
    expect(engine.calls.at(-1)?.document).toMatchObject({
      filename: 'stdin.pdf',
      contentType: 'application/pdf',
      size: pdf.length,
    })
  })

  it('reads stdin redirected from a file', async () => {
    const path = join(folder.path, 'page.html')
    await writeFile(path, '<!doctype html><h1>Redirected</h1>')
    const run = await runCli({ args: ['-'], cwd: folder.path, server, stdin: { file: path } })
    expect(run).toMatchObject({ code: 0, stdout: '<!doctype html><h1>Redirected</h1>\n' })
    expect(engine.calls.at(-1)?.document).toMatchObject({ filename: 'stdin.html', contentType: 'text/html' })
  })

  it('writes -o <file> whole, leaving no temporary file', async () => {
    await writeFile(join(folder.path, 'a.txt'), 'alpha')
    const run = await runCli({ args: ['a.txt', '-o', 'result.md'], cwd: folder.path, server })
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(await readFile(join(folder.path, 'result.md'), 'utf8')).toBe('alpha\n')
    expect(await listFiles(folder.path)).toEqual(['a.txt', 'result.md'])
  })

  it('prints the full result as JSON with --json', async () => {
    await writeFile(join(folder.path, 'a.txt'), 'alpha')
    const run = await runCli({ args: ['a.txt', '--json'], cwd: folder.path, server })
    expect(run.code).toBe(0)
    const lines = run.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    const result = JSON.parse(lines[0]!)
    expect(result).toMatchObject({
      input: 'a.txt',
      markdown: 'alpha',
      reasoning: expect.any(String),
      partial: false,
      recovered: false,
      jobId: expect.any(String),
      job: { status: 'completed' },
    })
    expect(result.job.id).toBe(result.jobId)
  })

  it('adds the reasoning in a comment on stdout, or in the file --reasoning= names', async () => {
    await writeFile(join(folder.path, 'a.txt'), 'alpha')
    const inline = await runCli({ args: ['a.txt', '--reasoning'], cwd: folder.path, server })
    expect(inline.code).toBe(0)
    expect(inline.stdout).toMatch(/^<!-- reasoning\n[\s\S]+\n-->\n\nalpha\n$/)
    const separate = await runCli({
      args: ['a.txt', '--reasoning=thoughts.md'],
      cwd: folder.path,
      server,
    })
    expect(separate).toMatchObject({ code: 0, stdout: 'alpha\n' })
    const reasoning = await readFile(join(folder.path, 'thoughts.md'), 'utf8')
    expect(reasoning.trim()).not.toBe('')
    expect(inline.stdout).toContain(reasoning.trimEnd())
    const besideFile = await runCli({
      args: ['a.txt', '-o', 'a.md', '--reasoning'],
      cwd: folder.path,
      server,
    })
    expect(besideFile.code).toBe(0)
    expect(await readFile(join(folder.path, 'a.reasoning.md'), 'utf8')).toBe(reasoning)
  })

  it('sends --temperature, --dpi, --max-output-tokens and --timeout to the API', async () => {
    await writeFile(join(folder.path, 'a.txt'), 'alpha')
    const run = await runCli({
      args: [
        'a.txt',
        '--temperature',
        '0.4',
        '--dpi',
        '200',
        '--max-output-tokens',
        '900',
        '--timeout',
        '90s',
      ],
      cwd: folder.path,
      server,
    })
    expect(run.code).toBe(0)
    expect(engine.calls.at(-1)?.params).toMatchObject({
      temperature: 0.4,
      rasterizationDPI: 200,
      maxOutputTokens: 900,
      timeoutMs: 90_000,
    })
  })

  it('names a failed conversion with the reason on stderr, exits 1 and writes nothing', async () => {
    await writeFile(join(folder.path, 'broken.txt'), 'x')
    const run = await runCli({ args: ['broken.txt', '-o', 'out.md'], cwd: folder.path, server })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(
      /^numarkdown: broken\.txt: the conversion failed \(InvalidDocument\): The document is damaged \(job \S+\)\n$/,
    )
    expect(await listFiles(folder.path)).toEqual(['broken.txt'])
  })

  it('picks up a job submitted earlier with --resume', async () => {
    const client = new NuMarkdownClient({ apiKey: server.token, baseUrl: server.url })
    const { jobId } = await client.submit({ data: Buffer.from('# Submitted before'), filename: 'early.md' })
    await client.close()
    const run = await runCli({ args: ['--resume', jobId], cwd: folder.path, server })
    expect(run).toEqual({ code: 0, stdout: '# Submitted before\n', stderr: '' })
    const missing = await runCli({ args: ['--resume', 'no-such-job'], cwd: folder.path, server })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^numarkdown: job no-such-job: .+\n$/)
  })
})
