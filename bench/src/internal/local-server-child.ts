/**
 * A server with the local engine in its own process, for `server-responsiveness`: the client that probes it must
 * not share its event loop, or a stalled server would stall the probe's clock too and hide the stall. It also
 * measures its own event-loop delay (reset on `{type:'reset'}`, reported on `{type:'delay'}`): how long the main
 * thread was kept from answering, apart from the scheduling of the machine.
 * argv[2] is `{ conversionWorkers?, concurrency? }` as JSON; the token comes in NUMIND_API_KEY.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { loadServer } from './packages.ts'
import { serveToParent } from './serve-to-parent.ts'

export type LocalServerChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'error'; message: string }
  | { type: 'delay'; p99Ms: number; maxMs: number }

const delay = monitorEventLoopDelay({ resolution: 5 })
delay.enable()

const settings = JSON.parse(process.argv[2] ?? '{}') as { conversionWorkers?: number; concurrency?: number }
await serveToParent<LocalServerChildMessage>(
  async () => {
    const { startServer, localEngine } = await loadServer()
    return startServer({
      tokens: [process.env.NUMIND_API_KEY ?? 'token'],
      engine: localEngine({
        ocrWorkers: 1,
        ...(settings.conversionWorkers === undefined
          ? {}
          : { conversionWorkers: settings.conversionWorkers }),
      }),
      ...(settings.concurrency === undefined ? {} : { concurrency: settings.concurrency }),
    })
  },
  (message, send) => {
    if (message.type === 'reset') delay.reset()
    if (message.type === 'delay') {
      send({ type: 'delay', p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 })
    }
  },
)
