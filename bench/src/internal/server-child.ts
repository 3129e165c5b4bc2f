/** The server half of `startServerProcess()`: a benchmark server answering the parent over IPC. */
import { serveToParent } from './serve-to-parent.ts'
import type { ServerChildMessage } from './servers.ts'
import { type BenchServerOptions, startBenchServer } from './servers.ts'

const options = JSON.parse(process.argv[2] ?? '{}') as BenchServerOptions
let server: Awaited<ReturnType<typeof startBenchServer>> | undefined
await serveToParent<ServerChildMessage>(
  async () => {
    server = await startBenchServer(options, process.env.NUMIND_API_KEY)
    return server
  },
  async (message, send) => {
    if (message.type === 'requests') send({ type: 'requests', requests: await server!.requests() })
    if (message.type === 'engine-times') send({ type: 'engine-times', times: await server!.engineTimes() })
  },
)
