import { describe, expect, it } from 'vitest'
import { parseCliArgs } from './cli-args.js'

describe('parseCliArgs', () => {
  it('uses the defaults and generates a token when none is given', () => {
    const config = parseCliArgs([], {})
    expect(config).toMatchObject({ help: false, host: '127.0.0.1', port: 8080, quiet: false })
    expect(config.generatedToken).toMatch(/^[\w-]{32}$/)
    expect(config.tokens).toEqual([config.generatedToken])
    expect(config.engineFlags.engine).toBe('local')
  })

  it('reads repeated --token flags and NUMARKDOWN_SERVER_TOKENS', () => {
    const config = parseCliArgs(['--token', 'one', '--token', 'two'], {
      NUMARKDOWN_SERVER_TOKENS: 'three, four,',
    })
    expect(config.generatedToken).toBeUndefined()
    expect(config.tokens).toEqual(['one', 'two', 'three', 'four'])
  })

  it('reads the numeric flags', () => {
    const config = parseCliArgs(
      [
        '--port',
        '0',
        '--host',
        '0.0.0.0',
        '--concurrency',
        '2',
        '--max-upload-mb',
        '5',
        '--engine',
        'scripted',
      ],
      {},
    )
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      concurrency: 2,
      maxUploadBytes: 5 * 1024 * 1024,
    })
  })

  it.each([
    [['--port', '70000'], '--port must be an integer within 0..65535, got 70000'],
    [['--concurrency', '0'], '--concurrency must be an integer within 1..1024, got 0'],
    [['--max-upload-mb', '1.5'], '--max-upload-mb must be an integer within 1..1048576, got 1.5'],
    [['--nope'], "Unknown option '--nope'"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCliArgs(argv, {})).toThrow(message)
  })

  it('reads the cluster flags, the owner secret from the environment, and needs no token on a worker', () => {
    const api = parseCliArgs(
      ['--redis', 'redis://10.0.0.5:6379', '--role', 'api', '--upload-dir', '/srv/uploads', '--token', 't1'],
      { NUMARKDOWN_OWNER_SECRET: 'shared-owner-secret' },
    )
    expect(api).toMatchObject({
      redis: 'redis://10.0.0.5:6379',
      role: 'api',
      spoolDirectory: '/srv/uploads',
      ownerSecret: 'shared-owner-secret',
      tokens: ['t1'],
    })
    const worker = parseCliArgs(
      [
        '--redis',
        'redis://h:1',
        '--role',
        'worker',
        '--spool-dir',
        '/srv/uploads',
        '--worker-lock-ms',
        '5000',
      ],
      {},
    )
    expect(worker).toMatchObject({ role: 'worker', workerLockMs: 5000, tokens: [] })
    expect(worker.generatedToken).toBeUndefined()
    expect(parseCliArgs([], {}).role).toBe('both')
  })

  it.each([
    [['--role', 'api'], '--role is for cluster mode: give --redis as well'],
    [['--redis', 'redis://h:1'], '--redis needs --upload-dir'],
    [
      ['--redis', 'redis://h:1', '--upload-dir', '/u', '--role', 'gpu'],
      '--role must be one of api, worker, both, got gpu',
    ],
    [['--upload-dir', '/a', '--spool-dir', '/b'], '--upload-dir and --spool-dir name the same folder'],
    [
      ['--redis', 'redis://h:1', '--upload-dir', '/u', '--worker-lock-ms', '5'],
      '--worker-lock-ms must be an integer within 100..3600000, got 5',
    ],
  ])('rejects the cluster flags %j', (argv, message) => {
    expect(() => parseCliArgs(argv, {})).toThrow(message)
  })
})
