import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { Agent, request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { type RunningServer, scriptedEngine, startServer } from '../src/index.js'
import { tokens } from './support.js'

let server: RunningServer | undefined
let agent: Agent | undefined
afterEach(async () => {
  await agent?.close()
  await server?.close()
  server = undefined
})

const boundary = 'lingering-boundary'

/** A small multipart upload of known length whose file part is read in pieces, as a client reading a file does. */
function upload(name: string): { body: Readable; length: number } {
  const head = Buffer.from(
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\n` +
      'content-type: text/html\r\n\r\n',
  )
  const file = Buffer.from(`<p>${name}</p>`)
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  async function* body(): AsyncIterable<Buffer> {
    yield head
    await sleep(1)
    yield file
    yield tail
  }
  return { body: Readable.from(body()), length: head.length + file.length + tail.length }
}

describe('an answer given before the body is read', () => {
  it('reaches a client still sending its body, never replaced by a reset connection', async () => {
    server = await startServer({ tokens, engine: scriptedEngine() })
    agent = new Agent({ connections: 2 })
    const outcomes: string[] = []
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        [1, 2, 3, 4, 5].map(async (index) => {
          const { body, length } = upload(`d${index}.html`)
          try {
            const response = await request(`${server!.url}/api/markdown/infer-async`, {
              method: 'POST',
              dispatcher: agent,
              headers: {
                authorization: 'Bearer wrong-token-0123456789',
                'content-type': `multipart/form-data; boundary=${boundary}`,
                'content-length': String(length),
              },
              body,
            })
            await response.body.text()
            outcomes.push(String(response.statusCode))
          } catch (error) {
            outcomes.push((error as NodeJS.ErrnoException).code ?? (error as Error).message)
          }
        }),
      )
    }
    expect(outcomes.filter((outcome) => outcome !== '401')).toEqual([])
  })
})
