/**
 * A server with the local engine in its own process, for `server-responsiveness`: the client that probes it must
 * not share its event loop, or a stalled server would stall the probe's clock too and hide the stall. It also
 * measures its own event-loop delay (reset on `{type:'reset'}`, reported on `{type:'delay'}`): how long the main
 * thread was kept from answering, apart from the scheduling of the machine.
 * argv[2] is `{ conversionWorkers?, concurrency? }` as JSON; the token comes in NUMIND_API_KEY.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { loadServer } from './packages.ts'

export type LocalServerChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'error'; message: string }
  | { type: 'delay'; p99Ms: number; maxMs: number }

const send = (message: LocalServerChildMessage) => process.send?.(message)
const delay = monitorEventLoopDelay({ resolution: 5 })
delay.enable()

try {
  const settings = JSON.parse(process.argv[2] ?? '{}') as { conversionWorkers?: number; concurrency?: number }
  const { startServer, localEngine } = await loadServer()
  const server = await startServer({
    tokens: [process.env.NUMIND_API_KEY ?? 'token'],
    engine: localEngine({
      ocrWorkers: 1,
      ...(settings.conversionWorkers === undefined ? {} : { conversionWorkers: settings.conversionWorkers }),
    }),
    ...(settings.concurrency === undefined ? {} : { concurrency: settings.concurrency }),
  })
  process.on('message', async (message: { type: string }) => {
    if (message.type === 'reset') delay.reset()
    if (message.type === 'delay') {
      send({ type: 'delay', p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 })
    }
    if (message.type === 'close') {
      await server.close()
      process.exit(0)
    }
  })
  process.on('disconnect', () => process.exit(0))
  send({ type: 'ready', url: server.url })
} catch (error) {
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) })
  process.exit(1)
}
