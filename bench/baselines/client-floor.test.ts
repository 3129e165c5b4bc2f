import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type RunningServer, scriptedEngine, startServer } from '@numarkdown/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { benchDirectory } from '../src/internal/files.ts'
import { startLoopbackFloor } from '../src/internal/loopback-floor.ts'
import { convertAtFloor, floorAgent } from './client-floor.ts'

const token = 'bench-client-floor-token'
let server: RunningServer
let directory: Awaited<ReturnType<typeof benchDirectory>>
let path: string
const agent = floorAgent()

beforeAll(async () => {
  directory = await benchDirectory('client-floor-test')
  path = join(directory.path, 'note.md')
  await writeFile(path, '# Note\n\nHello from the floor.\n')
  server = await startServer({ tokens: [token], engine: scriptedEngine({ latencyMs: 100 }) })
})

afterAll(async () => {
  await agent.close()
  await server?.close()
  await directory?.remove()
})

describe('the client floor', () => {
  it('returns the markdown of the document, job after job', async () => {
    for (let round = 0; round < 3; round++) {
      const result = await convertAtFloor(path, { baseUrl: server.url, apiKey: token, agent })
      expect(result.markdown).toBe('# Note\n\nHello from the floor.\n')
    }
  })
})

describe('the loopback floor', () => {
  it('measures a POST round trip and one event one way, both positive', async () => {
    const floor = await startLoopbackFloor()
    try {
      const sample = await floor.sample()
      expect(sample.postRoundTripMs).toBeGreaterThan(0)
      expect(sample.eventOneWayMs).toBeGreaterThan(0)
      expect(sample.eventOneWayMs).toBeLessThan(30_000)
    } finally {
      await floor.close()
    }
  })
})
