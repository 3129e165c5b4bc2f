import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type ScriptedEngine, scriptedEngine } from '@numarkdown/server'
import { eventually, listFiles, startTestServer, type TestServer, tempDir } from '@numarkdown/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { jobStatus, startCli } from './harness.js'

let folder: { path: string; remove(): Promise<void> }
let server: TestServer | undefined

beforeEach(async () => {
  folder = await tempDir('numarkdown-cli-')
  await writeFile(join(folder.path, 'a.txt'), 'alpha')
  await writeFile(join(folder.path, 'b.txt'), 'bravo')
})
afterEach(async () => {
  await server?.close()
  server = undefined
  await folder.remove()
})

function submittedJobs(running: TestServer): string[] {
  return running.server.requests
    .filter((request) => request.route === 'submit' && request.status === 200)
    .map((request) => request.jobId!)
}

describe('Ctrl-C', () => {
  it('cancels the remote jobs, writes no output and exits 130', async () => {
    const engine: ScriptedEngine = scriptedEngine({ hold: true })
    server = await startTestServer({ engine })
    const running = server
    const cli = startCli({ args: ['a.txt', 'b.txt', '-o', 'out'], cwd: folder.path, server })
    await engine.gate.whenWaiting(2)
    cli.child.kill('SIGINT')
    expect(await cli.exited).toBe(130)
    expect(cli.stdout()).toBe('')
    expect(cli.stderr()).toContain('interrupted: cancelling the conversions')
    const jobs = submittedJobs(running)
    expect(jobs).toHaveLength(2)
    // The command waited for its cancels before exiting: both jobs are cancelled already.
    for (const jobId of jobs) expect(await jobStatus(running, jobId)).toBe('cancelled')
    expect(await listFiles(folder.path)).toEqual(['a.txt', 'b.txt'])
  })

  it('a second Ctrl-C exits at once, naming the jobs whose cancel may not have arrived', async () => {
    const engine: ScriptedEngine = scriptedEngine({ hold: true })
    // Cancels that never get an answer in time: the first Ctrl-C would wait for them.
    server = await startTestServer({
      engine,
      faults: { rules: [{ route: 'cancel', fault: { type: 'delay', ms: 60_000 } }] },
    })
    const running = server
    const cli = startCli({ args: ['a.txt', '-o', 'out.md'], cwd: folder.path, server })
    await engine.gate.whenWaiting(1)
    const jobId = await eventually(() => submittedJobs(running)[0], 'the submit')
    // The command waits on the job's stream once it knows the job: from then on it can name it.
    await eventually(
      () => running.server.requests.some((request) => request.path === `/api/jobs/${jobId}/stream`),
      'the wait on the job',
    )
    cli.child.kill('SIGINT')
    await cli.waitForStderr(/interrupted: cancelling/)
    cli.child.kill('SIGINT')
    expect(await cli.exited).toBe(130)
    expect(cli.stderr()).toContain(
      `exiting now; the cancel of these jobs may not have reached the server: ${jobId}`,
    )
    expect(cli.stdout()).toBe('')
    expect(await listFiles(folder.path)).toEqual(['a.txt', 'b.txt'])
  })
})
