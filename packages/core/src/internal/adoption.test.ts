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

  it('takes the newest job with the same content created since the attempt began, not owned already', () => {
    const jobs = [
      job('old', '2026-01-01T00:00:05Z'),
      job('match-1', '2026-01-01T00:00:11Z'),
      job('match-2', '2026-01-01T00:00:12Z'),
      job('other-hash', '2026-01-01T00:00:13Z', { ...upload, sha256: 'cd'.repeat(32) }),
      job('other-size', '2026-01-01T00:00:13Z', { ...upload, size: 11 }),
    ]
    expect(pickAdoptable(jobs, { upload, sinceServerTime: since, owned: new Set() })?.id).toBe('match-2')
    expect(pickAdoptable(jobs, { upload, sinceServerTime: since, owned: new Set(['match-2']) })?.id).toBe(
      'match-1',
    )
    expect(
      pickAdoptable(jobs, { upload, sinceServerTime: since, owned: new Set(['match-1', 'match-2']) }),
    ).toBeUndefined()
  })

  it('matches on content when the server recorded the name otherwise than it was sent', () => {
    const sent = { ...upload, filename: ' "résumé"\n.pdf ' }
    // busboy's default decodes UTF-8 bytes as latin1; a trimming server drops the spaces; `%22` stays escaped.
    const mangled = Buffer.from('%22résumé%22%0A.pdf', 'utf8').toString('latin1')
    const jobs = [job('mangled', '2026-01-01T00:00:11Z', { ...upload, filename: mangled })]
    expect(pickAdoptable(jobs, { upload: sent, sinceServerTime: since, owned: new Set() })?.id).toBe(
      'mangled',
    )
  })

  it('prefers the job recorded under the name sent among jobs with the same content', () => {
    const jobs = [
      job('same-name', '2026-01-01T00:00:11Z'),
      job('escaped-name', '2026-01-01T00:00:12Z', { ...upload, filename: 'a%22b.pdf' }),
      job('other-name', '2026-01-01T00:00:13Z', { ...upload, filename: 'b.pdf' }),
    ]
    expect(pickAdoptable(jobs, { upload, sinceServerTime: since, owned: new Set() })?.id).toBe('same-name')
    expect(
      pickAdoptable(jobs, {
        upload: { ...upload, filename: 'a"b.pdf' },
        sinceServerTime: since,
        owned: new Set(),
      })?.id,
    ).toBe('escaped-name')
    expect(pickAdoptable(jobs, { upload, sinceServerTime: since, owned: new Set(['same-name']) })?.id).toBe(
      'other-name',
    )
  })

  it('ignores jobs whose inputData it cannot read', () => {
    const broken = { ...job('x', '2026-01-01T00:00:11Z'), inputData: 'not json' }
    expect(pickAdoptable([broken], { upload, sinceServerTime: since, owned: new Set() })).toBeUndefined()
  })
})
