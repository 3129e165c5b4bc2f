import { describe, expect, it } from 'vitest'
import type { Job } from '../types.js'
import { pickAdoptable } from './adoption.js'

const upload = { filename: 'a.pdf', size: 10, sha256: 'ab'.repeat(32) }

function job(id: string, createdAt: string, input: Record<string, unknown> = upload): Job {
  return {
    id,
    jobType: 'markdown',
    status: 'pending',
    ownerUser: 'u',
    inputData: JSON.stringify({ contentType: 'application/pdf', ...input }),
    startedAt: createdAt,
    createdAt,
    updatedAt: createdAt,
  }
}

describe('pickAdoptable', () => {
  const since = Date.parse('2026-01-01T00:00:10Z')

  it('takes the newest matching job created since the attempt began, not owned already', () => {
    const jobs = [
      job('old', '2026-01-01T00:00:05Z'),
      job('match-1', '2026-01-01T00:00:11Z'),
      job('match-2', '2026-01-01T00:00:12Z'),
      job('other-hash', '2026-01-01T00:00:13Z', { ...upload, sha256: 'cd'.repeat(32) }),
      job('other-name', '2026-01-01T00:00:13Z', { ...upload, filename: 'b.pdf' }),
      job('other-size', '2026-01-01T00:00:13Z', { ...upload, size: 11 }),
    ]
    expect(pickAdoptable(jobs, upload, since, new Set())?.id).toBe('match-2')
    expect(pickAdoptable(jobs, upload, since, new Set(['match-2']))?.id).toBe('match-1')
    expect(pickAdoptable(jobs, upload, since, new Set(['match-1', 'match-2']))).toBeUndefined()
  })

  it('ignores jobs whose inputData it cannot read', () => {
    const broken = { ...job('x', '2026-01-01T00:00:11Z'), inputData: 'not json' }
    expect(pickAdoptable([broken], upload, since, new Set())).toBeUndefined()
  })
})
