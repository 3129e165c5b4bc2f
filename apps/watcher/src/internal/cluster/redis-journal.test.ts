import { redisAvailable, startTestRedis, type TestRedis } from '@numarkdown/testing'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FileRecord } from '../journal/journal.js'
import { connectRedis } from './redis-connection.js'
import { RedisJournal } from './redis-journal.js'

const available = redisAvailable()
let redis: TestRedis

beforeAll(async () => {
  if (available) redis = await startTestRedis()
})

afterAll(async () => {
  await redis?.close()
})

function record(path: string, status: FileRecord['status'] = 'done'): FileRecord {
  return {
    path,
    status,
    sha256: 'c'.repeat(64),
    options: '0123456789abcdef',
    size: 10,
    mtimeMs: 1,
    ctimeMs: 1,
    attempts: 1,
    updatedAt: new Date(0).toISOString(),
  }
}

describe.skipIf(!available)('RedisJournal', () => {
  it('is one journal for every instance: what one sets, another reads', async () => {
    const prefix = redis.prefix('journal')
    const first = new RedisJournal(await connectRedis(redis.url), { prefix, where: redis.url })
    const second = new RedisJournal(await connectRedis(redis.url), { prefix, where: redis.url })
    try {
      await first.set(record('a.pdf', 'submitted'))
      await first.set(record('folder/b name.docx'))
      expect(await second.get('a.pdf')).toEqual(record('a.pdf', 'submitted'))
      await second.set(record('a.pdf'))
      expect((await first.get('a.pdf'))?.status).toBe('done')
      expect((await first.all()).map((entry) => entry.path).sort()).toEqual(['a.pdf', 'folder/b name.docx'])
      await second.delete('a.pdf')
      expect(await first.get('a.pdf')).toBeUndefined()
      expect(first.location).toBe(`${redis.url} ${prefix}:journal`)
    } finally {
      await first.close()
      await second.close()
    }
  })

  it('reads every record of a large journal, and skips a field that is not a record', async () => {
    const prefix = redis.prefix('large')
    const journal = new RedisJournal(await connectRedis(redis.url), { prefix, where: redis.url })
    const raw = new Redis(redis.url)
    try {
      for (let index = 0; index < 2500; index += 500) {
        await raw.hset(
          `${prefix}:journal`,
          Object.fromEntries(
            Array.from({ length: 500 }, (_, offset) => [
              `doc-${index + offset}.txt`,
              JSON.stringify(record(`doc-${index + offset}.txt`)),
            ]),
          ),
        )
      }
      await raw.hset(`${prefix}:journal`, 'torn.txt', '{"path": "torn')
      expect(await journal.all()).toHaveLength(2500)
      expect(await journal.get('torn.txt')).toBeUndefined()
    } finally {
      raw.disconnect()
      await journal.close()
    }
  })

  it('refuses an unreachable Redis with a message naming it, never its password', async () => {
    // A port nothing listens on: the one of a server that was just stopped.
    const stopped = await startTestRedis()
    await stopped.close()
    const url = `redis://:secret-password@127.0.0.1:${stopped.port}`
    const error = await connectRedis(url).catch((caught: unknown) => caught as Error)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toContain(`cannot reach the queue at redis://127.0.0.1:${stopped.port}`)
    expect((error as Error).message).toContain('start redis-server there, or fix --queue')
    expect((error as Error).message).not.toContain('secret-password')
  })
})
