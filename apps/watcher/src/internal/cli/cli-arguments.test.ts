import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../../options.js'
import { parseCli } from './cli-arguments.js'

const cwd = mkdtempSync(join(tmpdir(), 'numarkdown-cli-'))

describe('parseCli', () => {
  it('reads flags, including --poll=ms and repeated --exclude', () => {
    const request = parseCli(
      [
        'inbox',
        '--out',
        'md',
        '--once',
        '--concurrency',
        '3',
        '--include',
        'pdf, DOCX',
        '--exclude',
        '*.draft.pdf',
        '--exclude',
        'private/**',
        '--stability-ms',
        '250',
        '--poll=500',
        '--on-success',
        'move',
        '--reasoning',
        '--log',
        'json',
      ],
      {},
      cwd,
    )
    expect(request.kind).toBe('run')
    if (request.kind !== 'run') return
    expect(request.options).toMatchObject({
      inbox: resolve(cwd, 'inbox'),
      out: resolve(cwd, 'md'),
      once: true,
      concurrency: 3,
      include: ['pdf', 'DOCX'],
      exclude: ['*.draft.pdf', 'private/**'],
      stabilityMs: 250,
      poll: 500,
      onSuccess: 'move',
      reasoning: true,
      log: 'json',
    })
    expect(resolveOptions(request.options).include).toEqual(['pdf', 'docx'])
  })

  it('takes settings from NUMARKDOWN_WATCH_* variables, flags winning', () => {
    const request = parseCli(
      ['--stability-ms', '100'],
      {
        NUMARKDOWN_WATCH_INBOX: 'from-env',
        NUMARKDOWN_WATCH_STABILITY_MS: '900',
        NUMARKDOWN_WATCH_ONCE: 'true',
        NUMARKDOWN_WATCH_POLL: '750',
      },
      cwd,
    )
    if (request.kind !== 'run') throw new Error('expected run')
    expect(request.options).toMatchObject({
      inbox: resolve(cwd, 'from-env'),
      stabilityMs: 100,
      once: true,
      poll: 750,
    })
  })

  it('reads a config file (camelCase or flag names), relative paths from its folder', () => {
    const folder = mkdtempSync(join(tmpdir(), 'numarkdown-config-'))
    writeFileSync(
      join(folder, 'numarkdown-watch.config.json'),
      JSON.stringify({ inbox: 'in', out: 'out', rescanMs: 5000, 'delete-outputs': true }),
    )
    const request = parseCli([], {}, folder)
    if (request.kind !== 'run') throw new Error('expected run')
    expect(request.options).toMatchObject({
      inbox: join(folder, 'in'),
      out: join(folder, 'out'),
      rescanMs: 5000,
      deleteOutputs: true,
    })
    writeFileSync(join(folder, 'other.json'), JSON.stringify({ colour: 'red' }))
    expect(() => parseCli(['x', '--config', 'other.json'], {}, folder)).toThrow(
      /other.json: unknown option colour/,
    )
  })

  it('selects the API from NUMIND_API_KEY, and rejects bad values naming them', () => {
    const request = parseCli(
      ['in'],
      { NUMIND_API_KEY: 'k-123456', NUMARKDOWN_BASE_URL: 'http://127.0.0.1:9' },
      cwd,
    )
    if (request.kind !== 'run') throw new Error('expected run')
    expect(request.options).toMatchObject({ apiKey: 'k-123456', baseUrl: 'http://127.0.0.1:9' })
    expect(() => parseCli(['in', '--concurrency', 'lots'], {}, cwd)).toThrow(/--concurrency.*"lots"/)
    expect(() => parseCli(['in', '--nope'], {}, cwd)).toThrow(/unknown option --nope/)
    expect(() => parseCli([], {}, cwd)).toThrow(/inbox/)
    expect(parseCli(['--help'], {}, cwd)).toEqual({ kind: 'help' })
    expect(() => resolveOptions({ inbox: 'x', onSuccess: 'shred' as never })).toThrow(/"shred"/)
    expect(() => resolveOptions({ inbox: 'x', concurrency: 0 })).toThrow(/got 0/)
  })

  it('names the closest known flag, config key or environment variable for an unknown one', () => {
    expect(() => parseCli(['in', '--stabilty-ms', '5'], {}, cwd)).toThrow(
      'unknown option --stabilty-ms: did you mean --stability-ms?',
    )
    expect(() => parseCli(['in'], { NUMARKDOWN_WATCH_STABILTY_MS: '5' }, cwd)).toThrow(
      'the environment: unknown option NUMARKDOWN_WATCH_STABILTY_MS: did you mean NUMARKDOWN_WATCH_STABILITY_MS?',
    )
    expect(() => parseCli(['in'], { NUMARKDOWN_WATCH_CONFIG: 'missing.json' }, cwd)).toThrow(/ENOENT/)
    const folder = mkdtempSync(join(tmpdir(), 'numarkdown-config-'))
    writeFileSync(
      join(folder, 'numarkdown-watch.config.json'),
      JSON.stringify({ inbox: 'in', concurency: 3 }),
    )
    expect(() => parseCli([], {}, folder)).toThrow(
      `${join(folder, 'numarkdown-watch.config.json')}: unknown option concurency: did you mean concurrency?`,
    )
    writeFileSync(
      join(folder, 'numarkdown-watch.config.json'),
      JSON.stringify({ inbox: 'in', 'grace-ms': 5 }),
    )
    expect(parseCli([], {}, folder)).toMatchObject({ kind: 'run', options: { graceMs: 5 } })
  })

  it('reads the cluster settings from flags, the environment and a config file alike', () => {
    const folder = mkdtempSync(join(tmpdir(), 'numarkdown-cli-queue-'))
    const config = join(folder, 'cluster.json')
    writeFileSync(config, JSON.stringify({ queue: 'redis://10.0.0.5:6379', queuePrefix: 'from-file' }))
    const fromFile = parseCli(['inbox', '--config', config], {}, cwd)
    expect(fromFile.kind === 'run' && fromFile.options).toMatchObject({
      queue: 'redis://10.0.0.5:6379',
      queuePrefix: 'from-file',
    })
    const fromEnvironment = parseCli(
      ['inbox', '--config', config],
      { NUMARKDOWN_WATCH_QUEUE: 'redis://redis.internal:6380', NUMARKDOWN_WATCH_QUEUE_LOCK_MS: '5000' },
      cwd,
    )
    expect(fromEnvironment.kind === 'run' && fromEnvironment.options).toMatchObject({
      queue: 'redis://redis.internal:6380',
      queuePrefix: 'from-file',
      queueLockMs: 5000,
    })
    const fromFlags = parseCli(
      ['inbox', '--queue', 'rediss://cache:6379', '--queue-prefix', 'flags', '--queue-lock-ms', '2000'],
      { NUMARKDOWN_WATCH_QUEUE: 'redis://redis.internal:6380' },
      cwd,
    )
    expect(fromFlags.kind === 'run' && resolveOptions(fromFlags.options)).toMatchObject({
      queue: 'rediss://cache:6379',
      queuePrefix: 'flags',
      queueLockMs: 2000,
    })
  })

  it('reads --split-pages and --pages, from flags and the environment alike', () => {
    const request = parseCli(['in', '--split-pages', '--pages', '1-3,10-'], {}, cwd)
    expect(request.kind === 'run' && request.options).toMatchObject({ splitPages: true, pages: '1-3,10-' })
    const fromEnvironment = parseCli(
      ['in'],
      { NUMARKDOWN_WATCH_SPLIT_PAGES: 'true', NUMARKDOWN_WATCH_PAGES: '2' },
      cwd,
    )
    expect(fromEnvironment.kind === 'run' && fromEnvironment.options).toMatchObject({
      splitPages: true,
      pages: '2',
    })
  })

  it('reads --on-page-error from flags, the environment and a config file alike', () => {
    const request = parseCli(['in', '--split-pages', '--on-page-error', 'skip'], {}, cwd)
    expect(request.kind === 'run' && request.options).toMatchObject({ onPageError: 'skip' })
    const fromEnvironment = parseCli(['in', '--pages', '2-'], { NUMARKDOWN_WATCH_ON_PAGE_ERROR: 'skip' }, cwd)
    expect(fromEnvironment.kind === 'run' && fromEnvironment.options).toMatchObject({ onPageError: 'skip' })
    const folder = mkdtempSync(join(tmpdir(), 'numarkdown-config-'))
    const config = join(folder, 'watch.json')
    writeFileSync(config, JSON.stringify({ inbox: 'in', splitPages: true, onPageError: 'skip' }))
    const fromFile = parseCli(['--config', config], {}, cwd)
    expect(fromFile.kind === 'run' && resolveOptions(fromFile.options).onPageError).toBe('skip')
  })
})
