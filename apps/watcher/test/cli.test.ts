import { spawnSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { scriptedEngine } from '@numarkdown/server'
import { eventually, startTestServer, type TestServer, tempDir } from '@numarkdown/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cli, createWorkspace, killLeftoverWatchers, readIfExists, startWatcher } from './harness.js'

const engine = scriptedEngine({ hold: (document) => document.filename.startsWith('held') })
let server: TestServer

beforeAll(async () => {
  server = await startTestServer({ engine })
})
afterAll(() => server?.close())
afterEach(killLeftoverWatchers)

describe('the numarkdown-watch command', () => {
  it('--version prints the version from package.json, loading no dependency', async () => {
    const run = await runRecordingModules(['--version'])
    const { version } = JSON.parse(await readFile(join(cli, '..', '..', 'package.json'), 'utf8')) as {
      version: string
    }
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toBe(`${version}\n`)
    expect(run.loaded).toContainEqual(expect.stringMatching(/\/dist\/cli\.js$/))
    expect(run.loaded.filter((url) => !url.startsWith('node:') && !url.endsWith('/dist/cli.js'))).toEqual([
      expect.stringMatching(/\/dist\/internal\/cli\/cli-flags\.js$/),
    ])
    expect(spawnSync(process.execPath, [cli, '-v'], { encoding: 'utf8' }).stdout).toBe(`${version}\n`)
  })

  it('--help prints the help having loaded only its flags table, and is refused with a bad option', async () => {
    const run = await runRecordingModules(['inbox', '--once', '--help'])
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^numarkdown-watch: convert every document dropped in a folder/)
    expect(run.stdout).toContain('-h, --help')
    expect(run.loaded.filter((url) => !url.startsWith('node:') && !url.endsWith('/dist/cli.js'))).toEqual([
      expect.stringMatching(/\/dist\/internal\/cli\/cli-flags\.js$/),
    ])
    expect(spawnSync(process.execPath, [cli, '-h'], { encoding: 'utf8' }).stdout).toBe(run.stdout)
    // Read as a whole run reads it: an unknown flag beside --help is named, not passed over.
    const typo = spawnSync(process.execPath, [cli, '--stabilty-ms', '5', '--help'], { encoding: 'utf8' })
    expect(typo.status).toBe(2)
    expect(typo.stderr).toMatch(/unknown option --stabilty-ms: did you mean --stability-ms\?/)
    const poll = spawnSync(process.execPath, [cli, '--poll=500', '--help'], { encoding: 'utf8' })
    expect(poll.status, poll.stderr).toBe(0)
    expect(poll.stdout).toBe(run.stdout)
  })

  it('names a bad option as its flag, and the closest flag for an unknown one', () => {
    const bad = spawnSync(process.execPath, [cli, 'inbox', '--concurrency', '0'], { encoding: 'utf8' })
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/expected --concurrency to be an integer 1 ≤ n ≤ 256, got 0/)
    const typo = spawnSync(process.execPath, [cli, 'inbox', '--stabilty-ms', '5'], { encoding: 'utf8' })
    expect(typo.status).toBe(2)
    expect(typo.stderr).toMatch(/unknown option --stabilty-ms: did you mean --stability-ms\?/)
  })

  it('says how to add a document and how to stop; a Ctrl-C sent twice at once (as pnpm does) stops cleanly', async () => {
    const { folder, inbox, out } = await createWorkspace()
    try {
      const watcher = startWatcher({
        inbox,
        out,
        url: server.url,
        token: server.token,
        args: ['--log', 'pretty', '--grace-ms', '20000'],
      })
      await eventuallyOutput(watcher.output, /Press Ctrl-C to stop/)
      expect(watcher.output()).toMatch(/drop or copy documents into it \(cp report\.pdf .*inbox\/\)/)
      await writeFile(join(inbox, 'held.html'), '<p>held until released</p>')
      await engine.gate.whenWaiting(1)
      // The terminal sends SIGINT to the whole group, and pnpm forwards the one it got: two, close together.
      watcher.kill('SIGINT')
      await sleep(100)
      watcher.kill('SIGINT')
      await eventuallyOutput(watcher.output, /stopping: finishing conversions in flight/)
      engine.gate.open()
      expect(await watcher.exited, watcher.output()).toBe(0)
      expect(watcher.output()).toMatch(/converted {2}path=held\.html/)
      expect(watcher.output()).not.toMatch(/second signal/)
      expect(watcher.stderr()).toBe('')
      expect(await readIfExists(join(out, 'held.html.md'))).toContain('held until released')
    } finally {
      await folder.remove()
    }
  })
})

/** Waits until the watcher's output matches `pattern`; a timeout shows the output. */
function eventuallyOutput(output: () => string, pattern: RegExp): Promise<boolean> {
  return eventually(() => {
    if (!pattern.test(output())) throw new Error(`no ${pattern} in:\n${output()}`)
    return true
  }, `${pattern} in the output`)
}

/** Run the command with `args`, recording every module it loads (through a resolve hook, on the loader's thread). */
async function runRecordingModules(
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string; loaded: string[] }> {
  const folder = await tempDir()
  try {
    const log = join(folder.path, 'loaded.txt')
    await writeFile(
      join(folder.path, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  appendFileSync(${JSON.stringify(log)}, resolved.url + '\\n')
  return resolved
}`,
    )
    await writeFile(
      join(folder.path, 'register.mjs'),
      `import { register } from 'node:module'\nregister('./hooks.mjs', import.meta.url)\n`,
    )
    const run = spawnSync(process.execPath, ['--import', join(folder.path, 'register.mjs'), cli, ...args], {
      encoding: 'utf8',
    })
    const loaded = (await readFile(log, 'utf8')).trim().split('\n')
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, loaded }
  } finally {
    await folder.remove()
  }
}
