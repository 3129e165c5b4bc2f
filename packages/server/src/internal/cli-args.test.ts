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
})
