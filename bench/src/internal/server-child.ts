/** The server half of `startServerProcess()`: a benchmark server answering the parent over IPC. */
import type { ServerChildMessage } from './servers.ts'
import { type BenchServerOptions, startBenchServer } from './servers.ts'

const send = (message: ServerChildMessage) => process.send?.(message)

try {
  const options = JSON.parse(process.argv[2] ?? '{}') as BenchServerOptions
  const server = await startBenchServer(options, process.env.NUMIND_API_KEY)
  process.on('message', async (message: { type: string }) => {
    if (message.type === 'requests') send({ type: 'requests', requests: await server.requests() })
    if (message.type === 'close') {
      await server.close()
      process.exit(0)
    }
  })
  // Dies with its parent rather than lingering when the runner is interrupted.
  process.on('disconnect', () => process.exit(0))
  send({ type: 'ready', url: server.url })
} catch (error) {
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) })
  process.exit(1)
}
