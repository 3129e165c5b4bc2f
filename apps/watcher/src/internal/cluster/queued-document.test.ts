import { describe, expect, it } from 'vitest'
import { queueJobId } from './queued-document.js'

describe('queueJobId', () => {
  const document = { sha256: 'a'.repeat(64), fingerprint: '0123456789abcdef', path: 'reports/q1.pdf' }

  it('is the same for the same document, wherever it was found', () => {
    expect(queueJobId(document)).toBe(queueJobId({ ...document }))
    expect(queueJobId(document)).toMatch(/^doc-[0-9a-f]{64}$/)
  })

  it('differs when the content, the output options or the relative path differ', () => {
    const ids = new Set([
      queueJobId(document),
      queueJobId({ ...document, sha256: 'b'.repeat(64) }),
      queueJobId({ ...document, fingerprint: 'fedcba9876543210' }),
      queueJobId({ ...document, path: 'reports/q2.pdf' }),
      // The parts cannot run into each other: a separator stands between them.
      queueJobId({ ...document, fingerprint: `${document.fingerprint}r`, path: 'eports/q1.pdf' }),
    ])
    expect(ids.size).toBe(5)
  })
})
