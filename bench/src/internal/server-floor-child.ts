/** The floor server (`server-floor.ts`) in a process of its own, so that its CPU is measured apart. */
import { serveToParent } from './serve-to-parent.ts'
import { startFloorServer } from './server-floor.ts'

await serveToParent(() => startFloorServer(process.env.NUMIND_API_KEY ?? ''))
