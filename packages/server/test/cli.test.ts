import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FormData, request } from 'undici'
import { afterEach, expect, it } from 'vitest'

// The bin is tested as users run it: the built file (`pnpm build` comes before `pnpm test`).
const bin = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

let child: ChildProcess | undefined
let spool: string | undefined

afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  if (spool) await rm(spool, { recursive: true, force: true })
})

function start(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  nodeArgs: string[] = [],
): Promise<{ url: string; output: () => string }> {
  expect(existsSync(bin), `${bin} is missing: build the package first`).toBe(true)
  child = spawn(process.execPath, [...nodeArgs, bin, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  return new Promise((resolve, reject) => {
    child!.stdout!.on('data', () => {
      const found = /listening on (http:\/\/\S+)/.exec(output)
      if (found && output.includes('Ctrl+C')) resolve({ url: found[1]!, output: () => output })
    })
    child!.on('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)))
  })
}

function exited(): Promise<number | null> {
  return new Promise((resolve) => {
    if (child!.exitCode !== null) resolve(child!.exitCode)
    else child!.on('exit', (code) => resolve(code))
  })
}

it('serves the API, prints a curl example without the token, and stops on SIGTERM', async () => {
  spool = await mkdtemp(join(tmpdir(), 'numarkdown-cli-spool-'))
  const { url, output } = await start(['--port', '0', '--token', 'secret-flag-token', '--spool-dir', spool], {
    NUMARKDOWN_SERVER_TOKENS: 'secret-env-token',
  })
  expect(output()).toContain(
    `curl -s -H "Authorization: Bearer $NUMARKDOWN_TOKEN" -F file=@document.pdf '${url}`,
  )
  const form = new FormData()
  form.append('file', new Blob(['# From the CLI']), 'cli.md')
  const submitted = await request(`${url}/api/markdown/infer-async?temperature=0.5&rasterizationDPI=150`, {
    method: 'POST',
    headers: { authorization: 'Bearer secret-env-token' },
    body: form,
  })
  expect(submitted.statusCode).toBe(200)
  const { jobId } = (await submitted.body.json()) as { jobId: string }
  const streamed = await request(`${url}/api/jobs/${jobId}/stream`, {
    headers: { authorization: 'Bearer secret-flag-token' },
  })
  // Both tokens belong to different owners.
  expect(streamed.statusCode).toBe(403)
  await streamed.body.dump()
  child!.kill('SIGTERM')
  expect(await exited()).toBe(0)
  expect(output()).not.toContain('secret-flag-token')
  expect(output()).not.toContain('secret-env-token')
  expect(output()).toMatch(/POST \/api\/markdown\/infer-async 200/)
  expect(await readdir(spool)).toEqual([])
})

it('generates a token when none is given and shows it once', async () => {
  const { url, output } = await start(['--port', '0', '--quiet'])
  const token = /export NUMARKDOWN_TOKEN=(\S+)/.exec(output())![1]!
  expect(output().split(token)).toHaveLength(2)
  const response = await request(`${url}/api/jobs`, { headers: { authorization: `Bearer ${token}` } })
  expect(response.statusCode).toBe(200)
  await response.body.dump()
  child!.kill('SIGINT')
  expect(await exited()).toBe(0)
})

it('exits with 2 and the usage on a bad flag', async () => {
  await expect(start(['--port', 'many'])).rejects.toThrow(/exited with 2: .*--port must be an integer/s)
})

/** A module for `node --import` given as a data: URL. */
function inlineModule(source: string): string {
  return `data:text/javascript,${encodeURIComponent(source)}`
}

it('prints its version with --version, without loading any engine', async () => {
  const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  // Loading an engine's libraries fails in this process: --version must not need them.
  const hooks = `export async function resolve(specifier, context, next) {
    if (/tesseract|pdfjs|mammoth|@napi-rs|piscina|node-html-markdown/.test(specifier)) throw new Error('loaded ' + specifier)
    return next(specifier, context)
  }`
  const register = `import { register } from 'node:module'; register(${JSON.stringify(inlineModule(hooks))})`
  const result = spawnSync(process.execPath, ['--import', inlineModule(register), bin, '--version'], {
    encoding: 'utf8',
  })
  expect(result.stderr).toBe('')
  expect(result.stdout).toBe(`${version}\n`)
  expect(result.status).toBe(0)
})

it('answers --help, --version and a bad flag without loading the server', () => {
  // Loading the server's libraries fails in this process: the command must read its arguments first.
  const hooks = `export async function resolve(specifier, context, next) {
    if (/busboy|ioredis|bullmq|[.]\\/server[.]js|[.]\\/worker[.]js/.test(specifier)) throw new Error('loaded ' + specifier)
    return next(specifier, context)
  }`
  const register = `import { register } from 'node:module'; register(${JSON.stringify(inlineModule(hooks))})`
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', inlineModule(register), bin, ...args], { encoding: 'utf8' })
  const help = run(['--help'])
  expect(help.stderr).toBe('')
  expect(help.stdout).toContain('Usage: numarkdown-server')
  expect(help.status).toBe(0)
  expect(run(['--version']).status).toBe(0)
  const bad = run(['--port', 'many'])
  expect(bad.status).toBe(2)
  expect(bad.stderr).toContain('--port must be an integer')
})

it('reports a stray unhandled rejection and keeps serving', async () => {
  // A library's promise, rejected with nobody listening, once the server runs (on a signal from the test).
  const stray = "process.on('SIGUSR2', () => { Promise.reject(new Error('stray rejection from a library')) })"
  const { url, output } = await start(
    ['--port', '0', '--token', 't', '--engine', 'scripted', '--quiet'],
    {},
    ['--import', inlineModule(stray)],
  )
  child!.kill('SIGUSR2')
  await expect.poll(output, { timeout: 10_000 }).toContain('stray rejection from a library')
  expect(output()).toContain('the server keeps running')
  const response = await request(`${url}/api/jobs`, { headers: { authorization: 'Bearer t' } })
  expect(response.statusCode).toBe(200)
  await response.body.dump()
  child!.kill('SIGTERM')
  expect(await exited()).toBe(0)
})
