/** The floor server (`server-floor.ts`) in a process of its own, so that its CPU is measured apart. */
import { startFloorServer } from './server-floor.ts'

const send = (message: { type: string; url?: string; message?: string }) => process.send?.(message)

try {
  const server = await startFloorServer(process.env.NUMIND_API_KEY ?? '')
  process.on('message', async (message: { type: string }) => {
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
