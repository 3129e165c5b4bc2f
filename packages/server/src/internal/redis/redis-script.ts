/**
 * A Lua script run by its SHA-1 (sent once, then cached by Redis), so that each change to a job is one atomic step
 * whichever node makes it.
 */
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

export class RedisScript {
  readonly #source: string
  readonly #sha: string

  constructor(source: string) {
    this.#source = source
    this.#sha = createHash('sha1').update(source).digest('hex')
  }

  async run(client: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args)
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return client.eval(this.#source, keys.length, ...keys, ...args)
    }
  }
}
