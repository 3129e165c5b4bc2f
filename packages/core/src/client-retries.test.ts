import { createHash } from 'node:crypto'
import { scriptedEngine } from '@numarkdown/server'
import { createdJobs, setup } from '@numarkdown/testing'
import { describe, expect, it } from 'vitest'
import { NuMarkdownClient } from './client.js'
import { AuthenticationError, RateLimitError, ServerError } from './errors.js'
import type { ProgressEvent } from './types.js'

function ofType<T extends ProgressEvent['type']>(events: ProgressEvent[], type: T) {
  return events.filter((event): event is Extract<ProgressEvent, { type: T }> => event.type === type)
}

/** Filenames that do not survive a round trip through a server unchanged (decoded as latin1, trimmed, escaped). */
const oddNames: Array<(index: number) => string> = [
  (index) => `résumé ${index}.txt`,
  (index) => `日本語の文書 ${index}.txt`,
  (index) => `"quoted" ${index}.txt`,
  (index) => `  padded ${index}.txt  `,
  (index) => `two\nlines ${index}.txt`,
  (index) => `carriage\r\nreturn ${index}.txt`,
  (index) => `percent %22 ${index}.txt`,
  (index) => `emoji 📄 ${index}.txt`,
  (index) => `tab\t${index}.txt`,
  (index) => `plain-${index}.txt`,
]

const chaosFaults = {
  seed: 7,
  rules: [
    {
      route: 'submit' as const,
      probability: 0.075,
      fault: { type: 'reset' as const, when: 'after' as const },
    },
    {
      route: 'submit' as const,
      probability: 0.075,
      fault: { type: 'reset' as const, when: 'before' as const },
    },
    {
      route: 'submit' as const,
      probability: 0.075,
      fault: { type: 'status' as const, status: 502 as const },
    },
    {
      route: 'submit' as const,
      probability: 0.075,
      fault: { type: 'status' as const, status: 503 as const },
    },
    {
      route: 'submit' as const,
      probability: 0.075,
      fault: { type: 'rateLimit' as const, retryAfterSeconds: 0 },
    },
    {
      route: 'stream' as const,
      probability: 0.2,
      fault: { type: 'dropStream' as const, afterEvents: 0 },
    },
    {
      route: 'stream' as const,
      probability: 0.15,
      fault: { type: 'status' as const, status: 500 as const },
    },
    {
      route: 'getJob' as const,
      probability: 0.2,
      fault: { type: 'status' as const, status: 504 as const },
    },
    {
      route: 'getJob' as const,
      probability: 0.1,
      fault: { type: 'reset' as const, when: 'before' as const },
    },
    {
      route: 'list' as const,
      probability: 0.3,
      fault: { type: 'status' as const, status: 503 as const },
    },
  ],
}

/**
 * 200 conversions under about 30% injected faults (resets before and after the job exists, 502, 503, 429, dropped
 * streams, failed reads and listings): every input must create exactly one job, found by its content.
 */
async function chaos(filename: (index: number) => string, seed: number): Promise<void> {
  const { client, server, events } = await setup(
    NuMarkdownClient,
    { faults: { ...chaosFaults, seed }, engine: scriptedEngine() },
    { concurrency: 8, maxRetries: 10 },
  )
  const count = 200
  const text = (index: number) => `document number ${index}`
  const results = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      client.convert({ data: Buffer.from(text(index)), filename: filename(index) }),
    ),
  )
  results.forEach((result, index) => {
    expect(result.markdown).toBe(text(index))
  })
  // Every input created exactly one job on the server; inputs differ in content, whatever their names became.
  const digests = new Map(
    Array.from({ length: count }, (_, index) => [
      createHash('sha256').update(text(index)).digest('hex'),
      index,
    ]),
  )
  const jobsPerInput = new Map<number, number>()
  for await (const job of client.listJobs({ perPage: 100 })) {
    const index = digests.get(JSON.parse(job.inputData).sha256 as string)
    expect(index).toBeDefined()
    jobsPerInput.set(index!, (jobsPerInput.get(index!) ?? 0) + 1)
  }
  const duplicates = [...jobsPerInput.values()].filter((jobs) => jobs > 1).length
  expect(jobsPerInput.size).toBe(count)
  expect(duplicates).toBe(0)
  expect(createdJobs(server)).toHaveLength(count)
  expect(new Set(results.map((result) => result.jobId)).size).toBe(count)
  const faulted = server.server.requests.filter((entry) => entry.fault).length
  const submits = server.server.requests.filter((entry) => entry.route === 'submit')
  process.stdout.write(
    `chaos: ${server.server.requests.length} requests, ${faulted} faulted; ${submits.length} submits, ${submits.filter((entry) => entry.fault).length} faulted; ${ofType(events, 'adopted').length} adopted; ${createdJobs(server).length - count} duplicate jobs\n`,
  )
  expect(submits.filter((entry) => entry.fault).length / submits.length).toBeGreaterThan(0.25)
  expect(ofType(events, 'adopted').length).toBeGreaterThan(0)
}

describe('submit retries', () => {
  it('resends after 503, 408 and 429 (no job can exist) and creates one job', async () => {
    const { client, server, events } = await setup(NuMarkdownClient, {
      faults: {
        rules: [
          { route: 'submit', fault: { type: 'status', status: 503 }, count: 1 },
          { route: 'submit', fault: { type: 'status', status: 408 }, count: 1, skip: 1 },
          { route: 'submit', fault: { type: 'rateLimit', retryAfterSeconds: 0 }, count: 1, skip: 2 },
        ],
      },
    })
    const result = await client.convert({ data: Buffer.from('retry me'), filename: 'r.txt' })
    expect(result.markdown).toBe('retry me')
    expect(createdJobs(server)).toEqual([result.jobId])
    expect(ofType(events, 'retry').map((event) => event.operation)).toEqual(['submit', 'submit', 'submit'])
    expect(ofType(events, 'adopted')).toHaveLength(0)
  })

  it('honours Retry-After in seconds', async () => {
    const { client, events } = await setup(NuMarkdownClient, {
      faults: { rules: [{ route: 'submit', fault: { type: 'rateLimit', retryAfterSeconds: 1 }, count: 1 }] },
    })
    await client.convert(Buffer.from('x'))
    expect(ofType(events, 'retry')[0]).toMatchObject({ operation: 'submit', delayMs: 1000 })
    expect(ofType(events, 'retry')[0]?.error).toBeInstanceOf(RateLimitError)
  })

  it('gives up at once when Retry-After passes the deadline', async () => {
    const { client, server } = await setup(NuMarkdownClient, {
      faults: { rules: [{ route: 'submit', fault: { type: 'rateLimit', retryAfterSeconds: 60 } }] },
    })
    const error = await client.convert(Buffer.from('x'), { timeoutMs: 5000 }).catch((caught) => caught)
    expect(error).toBeInstanceOf(RateLimitError)
    expect(error.retryAfterMs).toBe(60_000)
    expect(server.server.requests).toHaveLength(1)
  })

  it('stops after maxRetries', async () => {
    const { client, server } = await setup(
      NuMarkdownClient,
      { faults: { rules: [{ route: 'submit', fault: { type: 'status', status: 503 } }] } },
      { maxRetries: 2 },
    )
    await expect(client.convert(Buffer.from('x'))).rejects.toBeInstanceOf(ServerError)
    expect(server.server.requests).toHaveLength(3)
  })

  it('lowers concurrency after a 429 and restores it once requests succeed', async () => {
    const { client, events } = await setup(
      NuMarkdownClient,
      {
        faults: {
          rules: [{ route: 'submit', fault: { type: 'rateLimit', retryAfterSeconds: 0 }, count: 2 }],
        },
      },
      { concurrency: 4 },
    )
    const seen: number[] = []
    client.on((event) => {
      if (event.type === 'retry') seen.push(client.concurrency)
    })
    await Promise.all(Array.from({ length: 8 }, (_, index) => client.convert(Buffer.from(`doc ${index}`))))
    expect(Math.min(...seen)).toBeLessThan(4)
    for (let index = 0; index < 20 && client.concurrency < 4; index++)
      await client.getJob(ofType(events, 'done')[0]!.jobId)
    expect(client.concurrency).toBe(4)
  })
})

describe('ambiguous submit failures never create a second job', () => {
  for (const [name, fault] of [
    ['a reset after the job was created', { type: 'reset', when: 'after' }],
    ['a 502 after the job was created', { type: 'status', status: 502 }],
    ['a 504 after the job was created', { type: 'status', status: 504 }],
    ['a 200 whose body is not JSON', { type: 'malformedJson' }],
  ] as const) {
    it(`adopts the job after ${name}`, async () => {
      const { client, server, events } = await setup(NuMarkdownClient, {
        faults: { rules: [{ route: 'submit', fault, count: 1 }] },
      })
      const result = await client.convert({ data: Buffer.from(`adopt ${name}`), filename: 'adopt.txt' })
      expect(result.markdown).toBe(`adopt ${name}`)
      expect(createdJobs(server)).toEqual([result.jobId])
      expect(ofType(events, 'adopted')).toMatchObject([{ jobId: result.jobId, filename: 'adopt.txt' }])
      expect(server.server.requests.filter((entry) => entry.route === 'list').length).toBeGreaterThan(0)
    })
  }

  it('adopts the job when the server recorded the filename otherwise than it was sent', async () => {
    const { client, server, events } = await setup(NuMarkdownClient, {
      faults: { rules: [{ route: 'submit', fault: { type: 'reset', when: 'after' }, count: 1 }] },
    })
    const filename = '  résumé "final"\n日本.txt  '
    const result = await client.convert({ data: Buffer.from('renamed on the way'), filename })
    expect(result.markdown).toBe('renamed on the way')
    expect(createdJobs(server)).toEqual([result.jobId])
    expect(ofType(events, 'adopted')).toMatchObject([{ jobId: result.jobId, filename }])
  })

  it('gives two uploads of the same bytes under different names two different jobs', async () => {
    const { client, server, events } = await setup(NuMarkdownClient, {
      faults: { rules: [{ route: 'submit', fault: { type: 'reset', when: 'after' }, count: 2 }] },
    })
    const bytes = Buffer.from('same bytes, two names')
    const [first, second] = await Promise.all([
      client.convert({ data: bytes, filename: 'première.txt' }),
      client.convert({ data: bytes, filename: 'deuxième.txt' }),
    ])
    expect(first.jobId).not.toBe(second.jobId)
    expect(createdJobs(server).sort()).toEqual([first.jobId, second.jobId].sort())
    expect(ofType(events, 'adopted')).toHaveLength(2)
  })

  it('stops rather than risk a second job when the jobs cannot be listed', async () => {
    const { client, server } = await setup(
      NuMarkdownClient,
      {
        faults: {
          rules: [
            { route: 'submit', fault: { type: 'status', status: 502 }, count: 1 },
            { route: 'list', fault: { type: 'status', status: 500 } },
          ],
        },
      },
      { maxRetries: 2 },
    )
    const error = await client.convert(Buffer.from('unknown')).catch((caught) => caught)
    expect(error).toMatchObject({ code: 'ambiguous_submit' })
    expect(error.cause).toBeInstanceOf(ServerError)
    expect(createdJobs(server)).toHaveLength(1)
    expect(server.server.requests.filter((entry) => entry.route === 'submit')).toHaveLength(1)
  })

  it('reports a token refused while finding the job of an ambiguous submit as that refusal', async () => {
    const { client, server } = await setup(
      NuMarkdownClient,
      {
        faults: {
          rules: [
            { route: 'submit', fault: { type: 'status', status: 502 }, count: 1 },
            { route: 'list', fault: { type: 'status', status: 401 } },
          ],
        },
      },
      { maxRetries: 2 },
    )
    const error = await client.convert(Buffer.from('refused')).catch((caught) => caught)
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(error.status).toBe(401)
    expect(server.server.requests.filter((entry) => entry.route === 'submit')).toHaveLength(1)
  })

  it('sends again after a reset before the body was read (the server has no job)', async () => {
    const { client, server, events } = await setup(NuMarkdownClient, {
      faults: { rules: [{ route: 'submit', fault: { type: 'reset', when: 'before' }, count: 1 }] },
    })
    const result = await client.convert({ data: Buffer.from('again'), filename: 'again.txt' })
    expect(result.markdown).toBe('again')
    expect(createdJobs(server)).toEqual([result.jobId])
    expect(ofType(events, 'adopted')).toHaveLength(0)
    expect(server.server.requests.filter((entry) => entry.route === 'submit')).toHaveLength(2)
  })

  it('gives two identical uploads two different jobs', async () => {
    const { client, server, events } = await setup(NuMarkdownClient, {
      faults: { rules: [{ route: 'submit', fault: { type: 'reset', when: 'after' }, count: 2 }] },
    })
    const bytes = Buffer.from('same bytes')
    const [first, second] = await Promise.all([
      client.convert({ data: bytes, filename: 'same.txt' }),
      client.convert({ data: bytes, filename: 'same.txt' }),
    ])
    expect(first.jobId).not.toBe(second.jobId)
    expect(createdJobs(server).sort()).toEqual([first.jobId, second.jobId].sort())
    expect(ofType(events, 'adopted')).toHaveLength(2)
  })

  it('does not adopt a job it already owns from an earlier conversion of the same bytes', async () => {
    const { client, server } = await setup(NuMarkdownClient, {
      faults: { rules: [{ route: 'submit', fault: { type: 'reset', when: 'before' }, skip: 1, count: 1 }] },
    })
    const earlier = await client.convert({ data: Buffer.from('twice'), filename: 'twice.txt' })
    const later = await client.convert({ data: Buffer.from('twice'), filename: 'twice.txt' })
    expect(later.jobId).not.toBe(earlier.jobId)
    expect(createdJobs(server)).toEqual([earlier.jobId, later.jobId])
  })

  it('matches a one-shot stream after a reset, thanks to spooling', async () => {
    const { Readable } = await import('node:stream')
    const { client, server, events } = await setup(NuMarkdownClient, {
      faults: { rules: [{ route: 'submit', fault: { type: 'reset', when: 'after' }, count: 1 }] },
    })
    const result = await client.convert({ data: Readable.from([Buffer.from('stream')]), filename: 's.txt' })
    expect(result.markdown).toBe('stream')
    expect(createdJobs(server)).toEqual([result.jobId])
    expect(ofType(events, 'adopted')).toHaveLength(1)
  })
})

describe('read retries', () => {
  it('retries getJob on 5xx, resets and bad JSON, and listJobs on 429', async () => {
    const { client, events } = await setup(NuMarkdownClient, {
      faults: {
        rules: [
          { route: 'getJob', fault: { type: 'status', status: 500 }, count: 1 },
          { route: 'getJob', fault: { type: 'reset', when: 'before' }, count: 1, skip: 1 },
          { route: 'getJob', fault: { type: 'malformedJson' }, count: 1, skip: 2 },
          { route: 'list', fault: { type: 'rateLimit', retryAfterSeconds: 0 }, count: 1 },
        ],
      },
    })
    const { jobId } = await client.submit({ data: Buffer.from('x'), filename: 'x.txt' })
    const done = await client.wait(jobId, { strategy: 'poll' })
    expect(done.markdown).toBe('x')
    const jobs = []
    for await (const job of client.listJobs()) jobs.push(job)
    expect(jobs).toHaveLength(1)
    expect(ofType(events, 'retry').map((event) => event.operation)).toEqual([
      'getJob',
      'getJob',
      'getJob',
      'list',
    ])
  })

  it('survives 200 conversions under 30% injected faults without creating a job twice', async () => {
    await chaos((index) => `doc-${index}.txt`, 7)
  }, 120_000)

  it('creates one job per input under 30% faults whatever the filenames (non-ASCII, quoted, padded, multi-line)', async () => {
    await chaos((index) => oddNames[index % oddNames.length]!(index), 11)
  }, 120_000)
})
