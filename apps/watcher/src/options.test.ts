import { ValidationError } from '@numarkdown/core'
import { describe, expect, it } from 'vitest'
import { createDisplay } from './display.js'
import { resolveOptions, type WatcherOptions } from './options.js'
import { createWatcher } from './watcher.js'

/** The error `run` throws (or rejects with). */
async function errorOf(run: () => unknown): Promise<Error> {
  try {
    await run()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected an error')
}

describe('strict options', () => {
  it('refuses an unknown key of createWatcher with a ValidationError naming it and the closest known one', async () => {
    const options = { inbox: '/tmp/inbox', baseURL: 'http://127.0.0.1:8787' } as unknown as WatcherOptions
    const error = await errorOf(() => createWatcher(options))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toBe('numarkdown-watch options: unknown option baseURL: did you mean baseUrl?')
    expect((error as ValidationError).parameter).toBe('baseURL')
    const typo = await errorOf(() => createWatcher({ inbox: '/tmp/inbox', stabilityMS: 10 } as never))
    expect(typo.message).toMatch(/unknown option stabilityMS: did you mean stabilityMs\?/)
    expect((await errorOf(() => resolveOptions({ inbox: 'x', colour: 'red' } as never))).message).toBe(
      'numarkdown-watch options: unknown option colour',
    )
  })

  it('refuses unknown keys of the hooks and of createDisplay', async () => {
    const hooks = await errorOf(() => createWatcher({ inbox: '/nonexistent' }, { dispaly: {} } as never))
    expect(hooks).toBeInstanceOf(ValidationError)
    expect(hooks.message).toBe('createWatcher hooks: unknown option dispaly: did you mean display?')
    const display = await errorOf(() => createDisplay({ format: 'json', secret: ['x'] } as never))
    expect(display).toBeInstanceOf(ValidationError)
    expect(display.message).toBe('createDisplay options: unknown option secret: did you mean secrets?')
  })

  it('refuses invalid values with a ValidationError naming the option and the value', async () => {
    const error = await errorOf(() => resolveOptions({ inbox: 'x', concurrency: 0 }))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toMatch(/expected concurrency to be an integer 1 ≤ n ≤ 256, got 0/)
    expect((error as ValidationError).parameter).toBe('concurrency')
  })

  it('checks the cluster options, never echoing a password', async () => {
    expect(resolveOptions({ inbox: 'x' })).toMatchObject({
      queue: undefined,
      queuePrefix: 'numarkdown-watch',
      queueLockMs: 30_000,
    })
    expect(
      resolveOptions({ inbox: 'x', queue: 'redis://10.0.0.5:6379', queuePrefix: 'team-a' }),
    ).toMatchObject({ queue: 'redis://10.0.0.5:6379', queuePrefix: 'team-a' })
    const scheme = await errorOf(() =>
      resolveOptions({ inbox: 'x', queue: 'http://user:hunter22@host:6379' }),
    )
    expect(scheme).toBeInstanceOf(ValidationError)
    expect(scheme.message).toBe(
      'expected queue to be a Redis URL like redis://host:6379, got "http://host:6379"',
    )
    const garbage = await errorOf(() => resolveOptions({ inbox: 'x', queue: ':hunter22@nowhere' }))
    expect(garbage.message).not.toContain('hunter22')
    const prefix = await errorOf(() => resolveOptions({ inbox: 'x', queuePrefix: 'a:b' }))
    expect(prefix.message).toMatch(/expected queuePrefix to be up to 64 letters/)
    const lock = await errorOf(() => resolveOptions({ inbox: 'x', queueLockMs: 10 }))
    expect(lock.message).toMatch(/expected queueLockMs to be an integer 1000 ≤ n ≤ 600000, got 10/)
  })

  it('checks the page options: splitPages a boolean, pages a spec kept in one spelling', async () => {
    expect(resolveOptions({ inbox: 'x' })).toMatchObject({ splitPages: false, pages: undefined })
    expect(resolveOptions({ inbox: 'x', splitPages: true, pages: ' 1 - 3, 7,10 - ' })).toMatchObject({
      splitPages: true,
      pages: '1-3,7,10-',
    })
    expect(resolveOptions({ inbox: 'x', pages: [2, 5] }).pages).toBe('2,5')
    const split = await errorOf(() => resolveOptions({ inbox: 'x', splitPages: 'yes' as never }))
    expect(split).toBeInstanceOf(ValidationError)
    expect(split.message).toBe('expected splitPages to be true or false, got "yes"')
    const reversed = await errorOf(() => resolveOptions({ inbox: 'x', pages: '3-1' }))
    expect(reversed).toBeInstanceOf(ValidationError)
    expect((reversed as ValidationError).parameter).toBe('pages')
    expect(reversed.message).toMatch(
      /^expected pages to be pages like 1-3,7,10- .*, got "3-1": the range 3-1 ends before it starts$/,
    )
    expect((await errorOf(() => resolveOptions({ inbox: 'x', pages: 'first' }))).message).toMatch(
      /"first" is not a page or a range like 3-5 or 10-$/,
    )
    expect((await errorOf(() => resolveOptions({ inbox: 'x', pages: '0-2' }))).message).toMatch(
      /pages count from 1$/,
    )
    expect((await errorOf(() => resolveOptions({ inbox: 'x', pages: [1, 2.5] }))).message).toMatch(
      /2\.5 is not a page number/,
    )
  })

  it('checks onPageError: fail or skip, and only beside splitPages or pages', async () => {
    expect(resolveOptions({ inbox: 'x' }).onPageError).toBe('fail')
    expect(resolveOptions({ inbox: 'x', splitPages: true, onPageError: 'skip' }).onPageError).toBe('skip')
    expect(resolveOptions({ inbox: 'x', pages: '2-', onPageError: 'fail' }).onPageError).toBe('fail')
    const unknown = await errorOf(() =>
      resolveOptions({ inbox: 'x', splitPages: true, onPageError: 'ignore' as never }),
    )
    expect(unknown).toBeInstanceOf(ValidationError)
    expect((unknown as ValidationError).parameter).toBe('onPageError')
    expect(unknown.message).toBe('expected onPageError to be fail or skip, got "ignore"')
    const alone = await errorOf(() => resolveOptions({ inbox: 'x', onPageError: 'skip' }))
    expect(alone).toBeInstanceOf(ValidationError)
    expect(alone.message).toBe(
      'expected splitPages or pages with onPageError skip: only a document converted page by page has pages that fail on their own',
    )
  })
})
