/**
 * The JSON text of a job written from the parts prepared while it ran must be the text of its JSON view, character
 * for character, whatever the job's end: clients parse the result event, tests compare it.
 */
import { describe, expect, it } from 'vitest'
import { scriptedEngine } from '../engines/scripted/scripted-engine.js'
import type { EngineDocument } from '../types.js'
import { type JobRecord, JobStore, jobText, toJobJson } from './job-store.js'

const document = (filename: string): EngineDocument => ({
  filename,
  contentType: 'text/plain',
  size: 5,
  sha256: 'a'.repeat(64),
  bytes: Buffer.from('hello'),
})
const params = { temperature: 0, rasterizationDPI: 170, maxOutputTokens: 0 }

function finished(store: JobStore, job: JobRecord): Promise<JobRecord> {
  return new Promise((resolve) => store.onFinished(job, resolve))
}

describe('jobText', () => {
  it('writes the same characters as JSON.stringify(toJobJson(job)) whatever the job’s end', async () => {
    const engine = scriptedEngine({
      latencyMs: (doc) => (doc.filename === 'slow.txt' ? 10_000 : 5),
      outcome: (doc) =>
        doc.filename === 'bad.txt'
          ? { type: 'fail', code: 'Corrupt', message: 'Line 1\n"quoted" ünïcödé' }
          : doc.filename === 'partial.txt'
            ? 'partial'
            : 'complete',
    })
    const store = new JobStore({ engine, concurrency: 3, jobTtlMs: 60_000 })
    const owner = { owner: 'user-"1"', organization: 'org\n2' }
    try {
      const completed = store.create(owner, document('good.txt'), params)!
      const failed = store.create({ owner: 'user-2' }, document('bad.txt'), params)!
      const partial = store.create(owner, document('partial.txt'), params)!
      // Past the concurrency: queued, then cancelled before it ever ran.
      const queued = store.create(owner, document('queued.txt'), params)!
      const timedOut = store.create(owner, document('slow.txt'), { ...params, timeoutMs: 20 })!
      expect(queued.status).toBe('pending')
      expect(jobText(queued)).toBe(JSON.stringify(toJobJson(queued)))
      store.cancel(queued)
      const ends = await Promise.all([completed, failed, partial, queued].map((job) => finished(store, job)))
      expect(ends.map((job) => job.status)).toEqual(['completed', 'failed', 'completed', 'cancelled'])
      // The timed-out job started once a slot was free.
      expect((await finished(store, timedOut)).status).toBe('timeout')
      for (const job of [...ends, timedOut]) {
        expect(jobText(job)).toBe(JSON.stringify(toJobJson(job)))
      }
      expect(completed.textParts).toBeDefined()
      expect(queued.textParts).toBeUndefined()
      // A job read while it runs.
      const running = store.create(owner, document('slow.txt'), params)!
      expect(running.status).toBe('running')
      expect(jobText(running)).toBe(JSON.stringify(toJobJson(running)))
    } finally {
      await store.close()
    }
  })
})
