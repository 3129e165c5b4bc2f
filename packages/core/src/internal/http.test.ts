import { describe, expect, it } from 'vitest'
import { Http } from './http.js'
import { silentLogger } from './logger.js'

describe('Http.target', () => {
  const bases = ['http://127.0.0.1:8080/', 'https://api.example.com/v1/', 'https://example.com/a%20b/c/']
  const paths = [
    'api/markdown/infer-async',
    'api/jobs',
    `api/jobs/${encodeURIComponent('3f2a-job_01')}/stream`,
    `api/jobs/${encodeURIComponent('ä b/c?d#e')}`,
    `api/jobs/${encodeURIComponent('..')}/cancel`,
    'api/jobs/../other',
    './api/jobs',
    '/api/jobs',
    'api/jobs/a b',
    'api/jobs/é',
    'api/jobs/x?y',
    'api/jobs/x#y',
    'api/jobs\\x',
    "api/jobs/!$&'()*+,;=:@~",
  ]
  const queries: Array<Record<string, string | number | undefined> | undefined> = [
    undefined,
    {},
    { skip: 0, perPage: 50 },
    { organization: 'a b&c=d/é', skip: undefined },
    { model: 'numarkdown-8b', temperature: 0.4 },
  ]

  it('gives the origin, path and query that resolving the path against the base URL gives', () => {
    for (const base of bases) {
      const http = new Http({
        baseUrl: new URL(base),
        apiKey: 'k',
        logger: silentLogger,
        requestTimeoutMs: 1000,
      })
      for (const path of paths) {
        for (const query of queries) {
          const url = new URL(path, base)
          for (const [name, value] of Object.entries(query ?? {})) {
            if (value !== undefined) url.searchParams.set(name, String(value))
          }
          const target = http.target(path, query)
          expect(target, `${base} + ${path} + ${JSON.stringify(query)}`).toEqual({
            origin: url.origin,
            path: url.pathname + url.search,
            pathname: url.pathname,
          })
        }
      }
    }
  })
})
