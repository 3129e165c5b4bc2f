import { scriptedEngine } from '@numarkdown/server'
import { createdJobs, eventually, setup, startTestServer } from '@numarkdown/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { NuMarkdownClient } from './client.js'
import { ConnectionError, NotFoundError } from './errors.js'
import type { ConversionResult, ProgressEvent } from './types.js'

function ofType<T extends ProgressEvent['type']>(events: ProgressEvent[], type: T) {
  return events.filter((event): event is Extract<ProgressEvent, { type: T }> => event.type === type)
}

describe('a server that restarts', () => {
  it('finishes 20 conversions in flight across a restart on the same port, submitting each again once', async () => {
    const count = 20
    const maxRetries = 2
    const first = await startTestServer({ engine: scriptedEngine({ hold: true }), concurrency: count })
    onTestFinished(() => first.close())
    const client = new NuMarkdownClient({
      apiKey: first.token,
      baseUrl: first.url,
      concurrency: count,
      maxRetries,
      retryDelay: { baseMs: 5, maxMs: 50 },
      timeoutMs: 120_000,
    })
    onTestFinished(() => client.close())
    const events: ProgressEvent[] = []
    client.on((event) => events.push(event))
    const text = (index: number) => `restarted document ${index}`
    const outcomes: Array<ConversionResult | Error | undefined> = Array.from({ length: count })
    const converting = Array.from({ length: count }, (_, index) =>
      client.convert({ data: Buffer.from(text(index)), filename: `restart-${index}.txt` }).then(
        (result) => {
          outcomes[index] = result
        },
        (error: Error) => {
          outcomes[index] = error
        },
      ),
    )
    await eventually(() => ofType(events, 'submitted').length === count)

    // The server stops: every job it held is gone with it.
    await first.close()
    // Down for longer than `maxRetries` allows a single read: every conversion has seen connections refused more
    // often than that (or, if it gave up, has settled).
    const refusedPerJob = () => {
      const counts = new Map<string, number>()
      for (const event of ofType(events, 'retry')) {
        if (event.error instanceof ConnectionError && event.jobId !== undefined) {
          counts.set(event.jobId, (counts.get(event.jobId) ?? 0) + 1)
        }
      }
      return counts
    }
    await eventually(
      () =>
        outcomes.every((outcome) => outcome !== undefined) ||
        ([...refusedPerJob().values()].filter((refused) => refused > maxRetries + 1).length === count &&
          refusedPerJob().size === count),
    )

    // A new server on the same port, which has never heard of those jobs.
    const second = await startTestServer({
      engine: scriptedEngine(),
      port: first.server.port,
      concurrency: count,
    })
    onTestFinished(() => second.close())
    await Promise.all(converting)

    outcomes.forEach((outcome, index) => {
      expect(outcome).not.toBeInstanceOf(Error)
      expect((outcome as ConversionResult).markdown).toBe(text(index))
    })
    const resubmits = ofType(events, 'resubmit')
    expect(resubmits).toHaveLength(count)
    expect(resubmits.every((event) => event.error instanceof NotFoundError)).toBe(true)
    expect(new Set(resubmits.map((event) => event.jobId))).toEqual(new Set(createdJobs(first)))
    // Exactly one new job per input on the new server.
    expect(createdJobs(second)).toHaveLength(count)
    expect(new Set((outcomes as ConversionResult[]).map((result) => result.jobId))).toEqual(
      new Set(createdJobs(second)),
    )
  }, 60_000)

  it('submits again at most once, and leaves wait() on a job it did not create alone', async () => {
    const { client, server, events } = await setup(NuMarkdownClient, {
      engine: scriptedEngine({ hold: true }),
    })
    const port = server.server.port
    const { jobId: waitedOn } = await client.submit({ data: Buffer.from('waited on'), filename: 'w.txt' })
    const converting = client
      .convert({ data: Buffer.from('forgotten twice'), filename: 'f.txt' })
      .catch((caught) => caught)
    const waiting = client.wait(waitedOn).catch((caught) => caught)
    await eventually(() => ofType(events, 'submitted').length === 2)

    await server.close()
    const second = await startTestServer({ engine: scriptedEngine({ hold: true }), port })
    onTestFinished(() => second.close())
    await eventually(() => createdJobs(second).length === 1)
    expect(ofType(events, 'resubmit')).toHaveLength(1)
    // wait() was not given the document: the 404 is its caller's to handle.
    expect(await waiting).toBeInstanceOf(NotFoundError)

    await second.close()
    const third = await startTestServer({ engine: scriptedEngine(), port })
    onTestFinished(() => third.close())
    const error = await converting
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.jobId).toBe(createdJobs(second)[0])
    expect(ofType(events, 'resubmit')).toHaveLength(1)
    expect(createdJobs(third)).toHaveLength(0)
  })
})
