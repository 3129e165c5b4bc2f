import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type ScriptedEngine, scriptedEngine } from '@numarkdown/server'
import { listFiles, makePdf, startTestServer, type TestServer, tempDir } from '@numarkdown/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanEnvironment, cli } from './harness.js'

/** The escape character that starts terminal control sequences. */
const esc = String.fromCharCode(27)
const hasScript = spawnSync('script', ['--version']).status === 0

let server: TestServer
let engine: ScriptedEngine
let folder: { path: string; remove(): Promise<void> }

beforeAll(async () => {
  // Documents are held until the terminal has shown them converting.
  engine = scriptedEngine({ hold: true })
  server = await startTestServer({ engine })
  folder = await tempDir('numarkdown-cli-')
  await mkdir(join(folder.path, 'docs'))
  await writeFile(join(folder.path, 'docs', 'a.txt'), 'alpha')
  await writeFile(join(folder.path, 'docs', 'b.txt'), 'bravo')
  await writeFile(join(folder.path, 'book.pdf'), await makePdf(['One', 'Two', 'Three']))
})
afterAll(async () => {
  await server.close()
  await folder.remove()
})

/** Releases the held documents once the terminal shows a.txt and b.txt both converting. */
function releaseWhenBothConverting(): (output: string) => void {
  let released = false
  return (output) => {
    if (!released && /a\.txt .*converting/.test(output) && /b\.txt .*converting/.test(output)) {
      released = true
      engine.gate.open()
    }
  }
}

/**
 * Runs the command on a pseudo-terminal (`script`), shows everything the terminal got so far to `watch` (which
 * releases held documents when it sees what the test looks for), and returns the exit code and the output.
 */
async function onTerminal(
  args: string[],
  env: Record<string, string> = {},
  watch: (output: string) => void = releaseWhenBothConverting(),
) {
  const command = [process.execPath, cli, '--base-url', server.url, ...args]
    .map((part) => `'${part}'`)
    .join(' ')
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: folder.path,
    env: cleanEnvironment({ NUMIND_API_KEY: server.token, COLUMNS: '120', LINES: '30', ...env }),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  child.stdin.end()
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    output += text
    watch(output)
  })
  const [code] = await once(child, 'close')
  engine.gate.shut()
  return { code: code as number, output }
}

describe.skipIf(!hasScript)('progress on a terminal', () => {
  it('draws a bar per document on stderr and a line for each one done', async () => {
    const { code, output } = await onTerminal(['docs', '-o', 'out-colour'])
    expect(code).toBe(0)
    expect(output).toMatch(/docs\/a\.txt +\S*[█░]+\S* converting/)
    expect(output).toMatch(/docs\/b\.txt +\S*[█░]+\S* converting/)
    expect(output).toMatch(/✓\S* docs\/a\.txt → out-colour\/a\.txt\.md/)
    expect(output).toContain('2 done')
    expect(output).toContain(`${esc}[32m`) // colours
    expect(await listFiles(join(folder.path, 'out-colour'))).toEqual(['a.txt.md', 'b.txt.md'])
  })

  it('has no colours with NO_COLOR, and keeps the bars', async () => {
    const { code, output } = await onTerminal(['docs', '-o', 'out-plain'], { NO_COLOR: '1' })
    expect(code).toBe(0)
    expect(output).toMatch(/docs\/a\.txt +[█░]+ converting/)
    expect(output).toContain('✓ docs/b.txt → out-plain/b.txt.md')
    expect(output).not.toMatch(new RegExp(`${esc}\\[[0-9;]*m`))
  })

  it('shows the pages done of a split document', async () => {
    let stage = 0
    const { code, output } = await onTerminal(['book.pdf', '--split-pages', '-o', 'book.md'], {}, (seen) => {
      if (stage === 0 && /book\.pdf .*converting, page 0\/3/.test(seen)) {
        // Two of the three pages finish; the third waits until the terminal has shown them done.
        stage = 1
        void engine.gate.whenWaiting(3).then(() => {
          engine.gate.release('book-p1.pdf')
          engine.gate.release('book-p2.pdf')
        })
      } else if (stage === 1 && /book\.pdf .*converting, page 2\/3/.test(seen)) {
        stage = 2
        engine.gate.open()
      }
    })
    expect(code).toBe(0)
    expect(stage).toBe(2)
    expect(output).toMatch(/✓\S* book\.pdf → book\.md/)
    expect(await listFiles(folder.path)).toContain('book.md')
  })
})
