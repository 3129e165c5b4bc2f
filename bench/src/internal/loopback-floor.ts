/**
 * The loopback floor: what this machine's loopback costs for the two exchanges a conversion cannot avoid: a
 * small POST round trip (the upload and its job ID) and one server-sent event delivered one way (the result).
 * Measured against a bare `node:http` server in its own process (`loopback-child.ts`) with undici `request()`.
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'

const childPath = fileURLToPath(new URL('./loopback-child.ts', import.meta.url))

/** One sample of each exchange, in milliseconds. */
export interface LoopbackSample {
  postRoundTripMs: number
  eventOneWayMs: number
}

export interface LoopbackFloor {
  /** Takes one sample of each exchange. */
  sample(): Promise<LoopbackSample>
  /**
   * One bare conversion: the POST of a 2 KiB body answered with a job ID, then that job's event stream read to
   * its one event, sent `engineMs` after the POST by a timer. Resolves with the time taken over `engineMs`
   * (`overNominalMs`) and over the time the timer really took (`overEngineMs`).
   */
  sampleJob(engineMs: number): Promise<{ overNominalMs: number; overEngineMs: number }>
  close(): Promise<void>
}

export async function startLoopbackFloor(): Promise<LoopbackFloor> {
  const child = fork(childPath, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const [ready] = (await once(child, 'message')) as [{ type: string; url: string }]
  const agent = new Agent({ keepAliveTimeout: 60_000 })
  const stream = await request(`${ready.url}/events`, {
    dispatcher: agent,
    headers: { accept: 'text/event-stream' },
  })
  const pending: Array<(oneWayNs: bigint) => void> = []
  let text = ''
  stream.body.on('data', (chunk: Buffer) => {
    const receivedAt = process.hrtime.bigint()
    text += chunk.toString()
    for (let end = text.indexOf('\n\n'); end !== -1; end = text.indexOf('\n\n')) {
      const sentAt = BigInt(text.slice(text.indexOf('data: ') + 6, end))
      text = text.slice(end + 2)
      pending.shift()?.(receivedAt - sentAt)
    }
  })
  const body = Buffer.alloc(2048, 'x')
  return {
    async sample() {
      const started = process.hrtime.bigint()
      const answer = await request(`${ready.url}/post`, { dispatcher: agent, method: 'POST', body })
      await answer.body.text()
      const postRoundTripMs = Number(process.hrtime.bigint() - started) / 1e6
      const event = new Promise<bigint>((resolve) => pending.push(resolve))
      const fired = await request(`${ready.url}/fire`, { dispatcher: agent, method: 'POST', body: '' })
      const eventOneWayMs = Number(await event) / 1e6
      await fired.body.text()
      return { postRoundTripMs, eventOneWayMs }
    },
    async sampleJob(engineMs) {
      const started = performance.now()
      const answer = await request(`${ready.url}/job?ms=${engineMs}`, {
        dispatcher: agent,
        method: 'POST',
        body,
      })
      const { jobId } = (await answer.body.json()) as { jobId: string }
      const events = await request(`${ready.url}/job/${jobId}`, {
        dispatcher: agent,
        headers: { accept: 'text/event-stream' },
      })
      let received = ''
      for await (const chunk of events.body) {
        received += chunk.toString()
        if (received.includes('\n\n')) break
      }
      const elapsed = performance.now() - started
      const timer = /"engineMs":([\d.e+-]+)/.exec(received)
      return {
        overNominalMs: elapsed - engineMs,
        overEngineMs: elapsed - (timer ? Number(timer[1]) : engineMs),
      }
    },
    async close() {
      stream.body.destroy()
      const exited = once(child, 'exit')
      child.send({ type: 'close' })
      await exited
      await agent.close()
    },
  }
}
